import { InvalidArgumentError } from 'commander';
import { decodeJwt } from 'jose';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { isRole, ROLES } from '@pi-ledger/access-control/roles';
import { DEFAULT_TTL_SECONDS } from '@pi-ledger/access-control/token-claims';
import { TokenService } from '@pi-ledger/access-control/token.service';

export interface AuthTokenOptions {
  sub: string;
  role?: string[];
  subjectId?: string;
  ttl?: number;
  department?: string;
}

/**
 * `ledger auth token --sub <actor> --role <role>…`: the token alone on stdout, for scripts to capture;
 * its id on stderr, for ops to record (`ledger auth revoke <id>` or `DELETE /v1/auth/tokens/{id}` revokes it).
 */
@SubCommand({ name: 'token', description: 'issue a signed bearer token (HS256, with the API’s secret)' })
export class AuthTokenCommand extends CommandRunner {
  constructor(private readonly tokens: TokenService) {
    super();
  }

  async run(_args: string[], options: AuthTokenOptions): Promise<void> {
    const token = await this.tokens.sign({ sub: options.sub, roles: options.role ?? [], subjectId: options.subjectId, ttlSeconds: options.ttl, departmentId: options.department });
    process.stdout.write(`${token}\n`);
    process.stderr.write(`token id ${String(decodeJwt(token).jti)}\n`);
  }

  @Option({ flags: '--sub <actor>', description: 'the actor id (the token’s sub)', required: true })
  parseSub(value: string): string {
    return value;
  }

  @Option({ flags: '--role <role>', description: `a role, repeatable: ${ROLES.join(', ')}`, required: true })
  parseRole(value: string, previous: string[] = []): string[] {
    if (!isRole(value)) throw new InvalidArgumentError(`unknown role; roles are ${ROLES.join(', ')}`);
    return [...previous, value];
  }

  @Option({ flags: '--subject-id <id>', description: 'the subject a data_subject token is for (required with that role)' })
  parseSubjectId(value: string): string {
    return value;
  }

  @Option({ flags: '--department <id>', description: 'the staff member’s department (the dept claim), which scopes health managers and customer service' })
  parseDepartment(value: string): string {
    return value;
  }

  @Option({ flags: '--ttl <seconds>', description: `lifetime in seconds (default ${DEFAULT_TTL_SECONDS})` })
  parseTtl(value: string): number {
    if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('a positive whole number of seconds is expected');
    return Number(value);
  }
}
