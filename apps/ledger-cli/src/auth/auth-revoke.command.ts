import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { CommandRunner, SubCommand } from 'nest-commander';
import { validate as isUuid } from 'uuid';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';

/**
 * `ledger auth revoke <tokenId>`: what `DELETE /v1/auth/tokens/{tokenId}` does, for the operator
 * who holds the data dir. Recorded under the operating-system user who ran it; every API process
 * refuses the token within 2 s (it is NOTIFYed, and re-read otherwise).
 */
@SubCommand({ name: 'revoke', description: 'revoke a token issued by `auth token`, by the id it printed on stderr', arguments: '<tokenId>' })
export class AuthRevokeCommand extends CommandRunner {
  constructor(private readonly revocations: RevocationService) {
    super();
  }

  async run([tokenId]: string[]): Promise<void> {
    if (!isUuid(tokenId)) throw new InvalidArgumentError('the token id is the UUID `auth token` printed on stderr');
    await this.revocations.revokeToken(tokenId.toLowerCase(), 'operator', { actor: { id: `cli:${operator()}`, roles: [] }, correlationId: randomUUID() });
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
