import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '@pi-ledger/access-control/actor';
import { BearerAuthentication } from '@pi-ledger/access-control/bearer-authentication';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { StaffSessions } from '@pi-ledger/access-control/staff-accounts/staff-sessions';

/**
 * The signed-in person behind a bearer token, on the sign-in routes that also take a step token
 * instead (and so are public to the guard): a staff session's access token whose session is open.
 */
@Injectable()
export class BearerSession {
  constructor(
    private readonly bearer: BearerAuthentication,
    private readonly sessions: StaffSessions,
  ) {}

  async actor(request: FastifyRequest): Promise<Actor> {
    const { authorization } = request.headers;
    if (!authorization) throw new ProblemException(401, 'unauthorized', 'Unauthorized', 'a step token or a bearer access token is required');
    const actor = await this.bearer.actor(authorization);
    const session = actor.sessionId ? await this.sessions.get(actor.sessionId) : undefined;
    if (!session || session.ended || session.staffId !== actor.id) throw new ProblemException(401, 'invalid-token', 'Invalid token', 'the token’s sign-in session has ended');
    return actor;
  }
}
