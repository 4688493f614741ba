import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { EventMetadata } from '@pi-ledger/event-store/event-store.port';
import { Actor } from '@pi-ledger/access-control/actor';

/** Who is asking and how to trace it: becomes every event's metadata. */
export interface RequestContext {
  actor: Actor;
  correlationId: string;
  causationId: string;
  idempotencyKey?: string;
}

/** Only UUIDs are taken from clients: a free-form id could carry a natural key (an ID number). */
const CORRELATION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const Ctx = createParamDecorator((_: unknown, execution: ExecutionContext): RequestContext => {
  const request = execution.switchToHttp().getRequest<FastifyRequest & { actor?: Actor; idempotencyKeyDigest?: string }>();
  if (!request.actor) throw new Error('no authenticated actor on a /v1 route: is the access-control guard installed?');
  const correlation = request.headers['x-correlation-id'];
  return {
    actor: request.actor,
    correlationId: typeof correlation === 'string' && CORRELATION.test(correlation) ? correlation : String(request.id),
    causationId: String(request.id),
    // the digest the idempotency interceptor computed: the client's key itself is never stored
    idempotencyKey: request.idempotencyKeyDigest,
  };
});

export function eventMetadata(context: RequestContext, purpose?: { id: string; legalBasis: EventMetadata['legalBasis'] }): EventMetadata {
  return {
    actor: context.actor.id,
    roles: [...context.actor.roles],
    ...(purpose ? { purposeId: purpose.id, legalBasis: purpose.legalBasis } : {}),
    correlationId: context.correlationId,
    causationId: context.causationId,
    ...(context.idempotencyKey ? { idempotencyKey: context.idempotencyKey } : {}),
  };
}
