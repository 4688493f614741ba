import { Injectable } from '@nestjs/common';
import type { Actor } from './actor';
import { malformedAuthorization, missingToken, rejectedToken, revokedToken } from './authentication.problems';
import { RevocationCache } from './revocation/revocation-cache';
import { TokenRejectedError } from './token.errors';
import { TokenService } from './token.service';

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * The actor an `Authorization: Bearer <token>` header stands for: a well-formed header, a token that
 * verifies, and not revoked; otherwise the 401 that says which. The one place a bearer token is
 * read: the global AccessGuard and the sign-in routes that also take one (BearerSession) use it.
 */
@Injectable()
export class BearerAuthentication {
  constructor(
    private readonly tokens: TokenService,
    private readonly revocations: RevocationCache,
  ) {}

  async actor(authorization: string | undefined): Promise<Actor> {
    if (!authorization) throw missingToken('a bearer token is required (Authorization: Bearer <token>)');
    if (!/^Bearer(\s|$)/i.test(authorization)) throw missingToken('the Authorization header must use the Bearer scheme');
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw malformedAuthorization('the Authorization header must be "Bearer <token>"');
    let actor: Actor;
    try {
      actor = await this.tokens.verify(token);
    } catch (error) {
      if (error instanceof TokenRejectedError) throw rejectedToken(error);
      throw error;
    }
    // in memory: a revocation reaches every process's cache by NOTIFY or the re-read (RevocationFeed)
    if (this.revocations.isRevoked(actor)) throw revokedToken();
    return actor;
  }
}
