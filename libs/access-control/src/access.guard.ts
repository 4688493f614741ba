import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { noRolesDeclared, wrongRole } from './authentication.problems';
import { BearerAuthentication } from './bearer-authentication';
import type { RequestWithActor } from './current-actor.decorator';
import type { Role } from './roles';
import { ROLES_METADATA } from './roles.decorator';
import { PUBLIC_ROUTE_METADATA } from './public-route.decorator';

/** Everything under /v1 holds or reaches PI; health, metrics and docs stay public. */
const PROTECTED_PATH = /^\/v1(\/|$)/i;

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
    private readonly bearer: BearerAuthentication,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithActor>();
    if (this.reflector.get<boolean | undefined>(PUBLIC_ROUTE_METADATA, context.getHandler()) === true) return true;
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, [context.getHandler(), context.getClass()]);
    const route = request.routeOptions?.url ?? request.url.split('?')[0];
    if (required === undefined && !PROTECTED_PATH.test(route)) return true;

    const actor = await this.bearer.actor(request.headers.authorization);
    if (required === undefined) {
      this.warnUndeclared(`${request.method} ${route}`);
      throw noRolesDeclared();
    }
    if (!actor.roles.some((role) => required.includes(role))) throw wrongRole(required);
    request.actor = actor;
    return true;
  }

  private warnUndeclared(route: string): void {
    if (this.undeclared.has(route)) return;
    this.undeclared.add(route);
    this.logger.warn({ route }, 'route under /v1 has no @Roles: it is refused to every caller');
  }
}
