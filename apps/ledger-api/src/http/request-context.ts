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

const CORRELATION = /^[\w.:-]{1,100}$/;

export const Ctx = createParamDecorator((_: unknown, execution: ExecutionContext): RequestContext => {
  const request = execution.switchToHttp().getRequest<FastifyRequest & { actor?: Actor }>();
  if (!request.actor) throw new Error('no authenticated actor on a /v1 route: is the access-control guard installed?');
  const correlation = request.headers['x-correlation-id'];
  const key = request.headers['idempotency-key'];
  return {
    actor: request.actor,
    correlationId: typeof correlation === 'string' && CORRELATION.test(correlation) ? correlation : String(request.id),
    causationId: String(request.id),
    idempotencyKey: typeof key === 'string' ? key : undefined,
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
