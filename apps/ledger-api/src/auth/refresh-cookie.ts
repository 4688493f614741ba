import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie'; // its declarations add setCookie, clearCookie and cookies

/** The refresh token as an httpOnly cookie for the web console, which keeps its access token in memory only. */
export const REFRESH_COOKIE = 'ledger_refresh';
const PATH = '/v1/auth';

export function setRefreshCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: string, now: Date): void {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - now.getTime()) / 1000));
  reply.setCookie(REFRESH_COOKIE, token, { path: PATH, httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', maxAge });
}

export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(REFRESH_COOKIE, { path: PATH, httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
}

export function refreshCookie(request: FastifyRequest): string | undefined {
  return request.cookies?.[REFRESH_COOKIE];
}
