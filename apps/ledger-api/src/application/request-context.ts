import { AnyDomainEvent, EventMetadata, NewEvent } from '@pi-ledger/event-store/event-store.port';
import { Actor } from '@pi-ledger/access-control/actor';
import type { BreakGlass } from '@pi-ledger/ledger-domain/assignment/assignment-scope';

/** Who is asking and how to trace it: becomes every event's metadata. Made at the HTTP edge (http/ctx.decorator.ts) or by a scheduler. */
export interface RequestContext {
  actor: Actor;
  correlationId: string;
  causationId: string;
  idempotencyKey?: string;
  /** The break-glass the request states (X-Break-Glass, X-Break-Glass-Note): used only where it reaches a customer outside the caller's assignment. */
  breakGlass?: BreakGlass;
  /** An import job's row (apps/ledger-api/src/imports): recorded in the metadata of every event the row produces. */
  importRow?: { jobId: string; rowNumber: number };
}

export function eventMetadata(context: RequestContext, purpose?: { id: string; legalBasis: EventMetadata['legalBasis'] }): EventMetadata {
  return {
    actor: context.actor.id,
    roles: [...context.actor.roles],
    ...(purpose ? { purposeId: purpose.id, legalBasis: purpose.legalBasis } : {}),
    correlationId: context.correlationId,
    causationId: context.causationId,
    ...(context.idempotencyKey ? { idempotencyKey: context.idempotencyKey } : {}),
    ...(context.importRow ? { importJobId: context.importRow.jobId, importRow: context.importRow.rowNumber } : {}),
  };
}

/** The `prepare` of a command whose events carry no PI: each event as decided, with the context's metadata. */
export function withMetadata(context: RequestContext): <E extends AnyDomainEvent>(events: readonly E[]) => Promise<{ events: NewEvent<E>[] }> {
  return async (events) => ({ events: events.map((event) => ({ ...event, metadata: eventMetadata(context) })) });
}
