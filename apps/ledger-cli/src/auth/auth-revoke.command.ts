import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { validate as isUuid } from 'uuid';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';
import { STAFF_ID } from '@pi-ledger/ledger-domain/departments/department.decider';

/**
 * `ledger auth revoke <tokenId>` and `ledger auth revoke --actor <id>`: what
 * `DELETE /v1/auth/tokens/{tokenId}` and `DELETE /v1/auth/actors/{actorId}` do, for the operator who
 * holds the data dir. Recorded under the operating-system user who ran it; every API process refuses
 * the token (or every token of the actor issued until now) within 2 s. `--actor` is the way to end
 * tokens that carry no id (issued before ids, or by an external IdP).
 */
@SubCommand({
  name: 'revoke',
  description: 'revoke a token issued by `auth token` by the id it printed on stderr, or with --actor every token of one actor issued until now',
  arguments: '[tokenId]',
})
export class AuthRevokeCommand extends CommandRunner {
  constructor(private readonly revocations: RevocationService) {
    super();
  }

  @Option({ flags: '--actor <id>', description: 'revoke every token of this actor (the tokens’ sub) issued until now' })
  parseActor(value: string): string {
    if (!STAFF_ID.test(value)) throw new InvalidArgumentError('the actor id is a token’s sub: letters, digits and . _ : @ -');
    return value;
  }

  async run([tokenId]: string[], options: { actor?: string } = {}): Promise<void> {
    const by = { actor: { id: `cli:${operator()}`, roles: [] }, correlationId: randomUUID() };
    if ((tokenId === undefined) === (options.actor === undefined)) throw new InvalidArgumentError('name either a token id or --actor <id>');
    if (options.actor !== undefined) {
      await this.revocations.revokeActor(options.actor, 'operator', by);
      process.stderr.write(`every token of ${options.actor} issued until now is revoked\n`);
      return;
    }
    if (!isUuid(tokenId)) throw new InvalidArgumentError('the token id is the UUID `auth token` printed on stderr');
    await this.revocations.revokeToken(tokenId.toLowerCase(), 'operator', by);
    process.stderr.write(`token ${tokenId.toLowerCase()} revoked\n`);
  }
}

function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
