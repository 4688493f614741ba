import { applyDecorators, CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Pool } from 'pg';
import { from, Observable } from 'rxjs';
import { mergeMap } from 'rxjs/operators';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { compareCheckpoints, EventStore, GlobalCheckpoint } from '@pi-ledger/event-store/event-store.port';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { ProblemException } from '@pi-ledger/platform/http/problem';

/** How long a read waits for projections before answering 503 (api-contract: ≤ 5 s). */
export const FRESHNESS_TIMEOUT_MS = 5000;
const POLL_MS = 20;
const HEADER = 'x-ledger-min-position';
const READS_PROJECTIONS = 'pi-ledger:reads-projections';

/** `X-Ledger-Min-Position: 42` → 42; absent → undefined; anything else → 400. */
export function parseMinPosition(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !/^\s*\d{1,15}\s*$/.test(header)) {
    throw new ProblemException(400, 'invalid-min-position', 'Invalid X-Ledger-Min-Position', 'X-Ledger-Min-Position must be a position a write returned (a non-negative integer)', [
      { path: 'headers.x-ledger-min-position', message: 'must be a non-negative integer' },
    ]);
  }
  return Number(header);
}

export function projectionLagging(detail: string): ProblemException {
  return new ProblemException(503, 'projection-lagging', 'Projection lagging', detail, undefined, { retryAfterSeconds: 1 });
}

/** Calls `done` until it says yes or the time is up; true when it said yes. */
export async function pollUntil(done: () => Promise<boolean>, timeoutMs: number, intervalMs = POLL_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}

/**
 * Read-your-writes across read models: waits until projections have passed the event at a global
 * position. Positions are not monotonic in the log's global order, so "passed" compares the
 * projection's checkpoint with the event's own checkpoint (transaction id, position).
 */
@Injectable()
export class ProjectionFreshness {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** Waits until every named projection has passed the event at global `position`. */
  async waitFor(projections: readonly string[], position: number, timeoutMs = FRESHNESS_TIMEOUT_MS): Promise<void> {
    if (position === 0 || projections.length === 0) return;
    const deadline = Date.now() + timeoutMs;
    let target: GlobalCheckpoint | undefined;
    // absent: not written, or not committed, yet
    const found = await pollUntil(async () => (target = await this.store.checkpointOf(position)) !== undefined, timeoutMs);
    if (!found) throw projectionLagging(`no event at position ${position} within ${timeoutMs / 1000} s`);
    await this.waitForCheckpoint(projections, target!, Math.max(0, deadline - Date.now()), `position ${position}`);
  }

  /** Waits until every named projection's checkpoint is at or past `target`. */
  async waitForCheckpoint(projections: readonly string[], target: GlobalCheckpoint, timeoutMs = FRESHNESS_TIMEOUT_MS, what = 'the last write'): Promise<void> {
    let failed: string | undefined;
    const settled = await pollUntil(async () => {
      const { rows } = await this.pool.query(
        `SELECT name, status, transaction_id::text AS tx, position::text AS pos FROM projection_checkpoints WHERE name = ANY($1::text[])`,
        [projections],
      );
      const behind = projections.filter((name) => {
        const row = rows.find((candidate) => candidate.name === name);
        return !row || compareCheckpoints({ transactionId: Number(row.tx), position: Number(row.pos) }, target) < 0;
      });
      failed = rows.find((row) => row.status === 'failed' && behind.includes(row.name))?.name;
      return behind.length === 0 || failed !== undefined; // a failed projection will not move by itself
    }, timeoutMs);
    if (failed) throw projectionLagging(`the ${failed} projection stopped on an error before ${what}`);
    if (!settled) throw projectionLagging(`read models have not reached ${what} within ${FRESHNESS_TIMEOUT_MS / 1000} s`);
  }
}

/** Applies `X-Ledger-Min-Position` to routes marked with @ReadsProjections. */
@Injectable()
export class MinPositionInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly freshness: ProjectionFreshness,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const position = parseMinPosition(request.headers[HEADER]);
    if (position === undefined) return next.handle();
    const projections = this.reflector.getAllAndOverride<string[] | undefined>(READS_PROJECTIONS, [execution.getHandler(), execution.getClass()]) ?? [];
    return from(this.freshness.waitFor(projections, position)).pipe(mergeMap(() => next.handle()));
  }
}

/**
 * The read models a route answers from: with `X-Ledger-Min-Position: <n>` it waits (≤ 5 s) until
 * they include the event at position n, else 503 `projection-lagging` with Retry-After.
 */
export function ReadsProjections(...projections: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(READS_PROJECTIONS, projections),
    UseInterceptors(MinPositionInterceptor),
    ApiHeader({ name: 'X-Ledger-Min-Position', required: false, description: 'A position a write returned: wait (≤ 5 s) until this read includes it' }),
    ApiServiceUnavailableResponse({ description: 'projection-lagging: the read models did not reach X-Ledger-Min-Position in time (Retry-After)' }),
  );
}
