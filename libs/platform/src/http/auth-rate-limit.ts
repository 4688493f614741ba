import rateLimit from '@fastify/rate-limit';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { ProblemException } from './problem';

/** Requests per window and client IP, and per username where the body names one; 0 = no limit. */
export interface AuthRateLimits {
  perIp: number;
  perUsername: number;
  windowSeconds: number;
}

const ROUTE_FLAG = 'authRateLimit';

/**
 * Rate-limits a route as an authentication endpoint (login, MFA, refresh): LEDGER_AUTH_RATE_LIMIT_*
 * requests per window from one client IP, and as many naming one `username` in the body, whatever
 * the IP (a password spray from many addresses). Past either, 429 `auth-rate-exceeded` with
 * Retry-After, before the guard or the handler runs. Counts are per API instance.
 */
export function AuthRateLimit(): MethodDecorator {
  return RouteConfig({ [ROUTE_FLAG]: true });
}

type Limiter = (request: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }>;
type LimiterFactory = (this: void, options: object) => Limiter;

/** Registers @fastify/rate-limit (not globally) and applies it to the routes marked with @AuthRateLimit(); call before the routes are registered. */
export async function registerAuthRateLimit(fastify: FastifyInstance, limits: AuthRateLimits): Promise<void> {
  await fastify.register(rateLimit, { global: false });
  const create: LimiterFactory = (options) => (fastify as FastifyInstance & { createRateLimit: LimiterFactory }).createRateLimit(options);
  const timeWindow = limits.windowSeconds * 1000;
  const byIp = create({ max: limits.perIp, timeWindow, keyGenerator: (request: FastifyRequest) => `ip:${request.ip}` });
  const byUsername = create({
    max: limits.perUsername,
    timeWindow,
    keyGenerator: (request: FastifyRequest) => `username:${usernameOf(request) ?? ''}`,
    allowList: (request: FastifyRequest) => usernameOf(request) === undefined,
  });
  const check = async (request: FastifyRequest) => {
    if (limits.perIp > 0) exceeded(await byIp(request));
    if (limits.perUsername > 0) exceeded(await byUsername(request));
  };
  fastify.addHook('onRoute', (route) => {
    if ((route.config as Record<string, unknown> | undefined)?.[ROUTE_FLAG] !== true) return;
    // after the body is parsed (the username is in it), before Nest's guards and handler
    const hooks = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [...(hooks as preHandlerHookHandler[]), check];
  });
}

function exceeded(outcome: { isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }): void {
  if (outcome.isAllowed || !outcome.isExceeded) return;
  const retryAfterSeconds = Math.max(1, outcome.ttlInSeconds ?? 1);
  throw new ProblemException(429, 'auth-rate-exceeded', 'Too many attempts', `too many authentication attempts; retry in ${retryAfterSeconds} s`, undefined, { retryAfterSeconds });
}

/** The `username` a login names, normalised as accounts are compared; never logged. */
function usernameOf(request: FastifyRequest): string | undefined {
  const body = request.body as { username?: unknown } | undefined;
  const name = typeof body?.username === 'string' ? body.username.trim().normalize('NFKC').toLowerCase() : '';
  return name === '' ? undefined : name;
}
