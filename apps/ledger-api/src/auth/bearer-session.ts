import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '@pi-ledger/access-control/actor';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { TokenRejectedError } from '@pi-ledger/access-control/token.errors';
import { rejectedToken, revokedToken } from '@pi-ledger/access-control/authentication.problems';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { StaffSessions } from '@pi-ledger/access-control/staff-accounts/staff-sessions';

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * The signed-in person behind a bearer token, on the sign-in routes that also take a step token
 * instead (and so are public to the guard): a staff session's access token whose session is open.
 */
@Injectable()
export class BearerSession {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: StaffSessions,
    private readonly revocations: RevocationService,
  ) {}

  async actor(request: FastifyRequest): Promise<Actor> {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw new ProblemException(401, 'unauthorized', 'Unauthorized', 'a step token or a bearer access token is required');
    let actor: Actor;
    try {
      actor = await this.tokens.verify(token);
    } catch (error) {
      if (error instanceof TokenRejectedError) throw rejectedToken(error);
      throw error;
    }
    if (this.revocations.isRevoked(actor)) throw revokedToken();
    const session = actor.sessionId ? await this.sessions.get(actor.sessionId) : undefined;
    if (!session || session.ended || session.staffId !== actor.id) throw new ProblemException(401, 'invalid-token', 'Invalid token', 'the token’s sign-in session has ended');
    return actor;
  }
}
