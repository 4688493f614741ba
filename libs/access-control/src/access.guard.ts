import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import type { Actor } from './actor';
import { malformedAuthorization, missingToken, noRolesDeclared, rejectedToken, revokedToken, wrongRole } from './authentication.problems';
import type { RequestWithActor } from './current-actor.decorator';
import { RevocationCache } from './revocation/revocation-cache';
import type { Role } from './roles';
import { ROLES_METADATA } from './roles.decorator';
import { PUBLIC_ROUTE_METADATA } from './public-route.decorator';
import { TokenRejectedError } from './token.errors';
import { TokenService } from './token.service';

/** Everything under /v1 holds or reaches PI; health, metrics and docs stay public. */
const PROTECTED_PATH = /^\/v1(\/|$)/i;
const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * Global guard: under /v1, a valid bearer token AND a role the route names with @Roles. A /v1 route
 * without @Roles is refused to everyone, so a forgotten decorator closes a route instead of opening PI.
 * A revoked token (its session, its id, or its actor since it was issued) is refused like an invalid one.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly undeclared = new Set<string>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly revocations: RevocationCache,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithActor>();
    if (this.reflector.get<boolean | undefined>(PUBLIC_ROUTE_METADATA, context.getHandler()) === true) return true;
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, [context.getHandler(), context.getClass()]);
    const route = request.routeOptions?.url ?? request.url.split('?')[0];
    if (required === undefined && !PROTECTED_PATH.test(route)) return true;

    const actor = await this.authenticate(request.headers.authorization);
    if (required === undefined) {
      this.warnUndeclared(`${request.method} ${route}`);
      throw noRolesDeclared();
    }
    if (!actor.roles.some((role) => required.includes(role))) throw wrongRole(required);
    request.actor = actor;
    return true;
  }

  private async authenticate(authorization: string | undefined): Promise<Actor> {
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

  private warnUndeclared(route: string): void {
    if (this.undeclared.has(route)) return;
    this.undeclared.add(route);
    this.logger.warn({ route }, 'route under /v1 has no @Roles: it is refused to every caller');
  }
}
