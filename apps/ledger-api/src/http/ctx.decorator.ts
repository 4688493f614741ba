import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Actor } from '@pi-ledger/access-control/actor';
import { RequestContext } from '../application/request-context';
import { parseBreakGlass } from '@pi-ledger/ledger-domain/assignment/assignment-scope';

/** Only UUIDs are taken from clients: a free-form id could carry a natural key (an ID number). */
const CORRELATION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The RequestContext of an HTTP request: its authenticated actor, correlation and idempotency key. */
export const Ctx = createParamDecorator((_: unknown, execution: ExecutionContext): RequestContext => {
  const request = execution.switchToHttp().getRequest<FastifyRequest & { actor?: Actor; idempotencyKeyDigest?: string }>();
  if (!request.actor) throw new Error('no authenticated actor on a /v1 route: is the access-control guard installed?');
  const correlation = request.headers['x-correlation-id'];
  const breakGlass = parseBreakGlass(header(request.headers['x-break-glass']), header(request.headers['x-break-glass-note']));
  return {
    actor: request.actor,
    correlationId: typeof correlation === 'string' && CORRELATION.test(correlation) ? correlation : String(request.id),
    causationId: String(request.id),
    // the digest the idempotency interceptor computed: the client's key itself is never stored
    idempotencyKey: request.idempotencyKeyDigest,
    ...(breakGlass ? { breakGlass } : {}),
  };
});

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
