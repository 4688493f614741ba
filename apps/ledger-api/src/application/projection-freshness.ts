import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { GLOBAL_LOG } from '@pi-ledger/event-store/event-store.module';
import { compareCheckpoints, GlobalCheckpoint, GlobalLog } from '@pi-ledger/event-store/event-store.port';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';

/** How long a read waits for projections before answering 503 (api-contract: ≤ 5 s). */
export const FRESHNESS_TIMEOUT_MS = 5000;
const POLL_MS = 20;

/** The read models have not reached a write in time, or one of them stopped on an error: 503, retry after a second. */
export class ProjectionLagging extends Error {
  readonly code = 'projection-lagging';
  readonly details = { retryAfterSeconds: 1 };
  constructor(message: string) {
    super(message);
    this.name = 'ProjectionLagging';
  }
}

/**
 * The projection quarantined this stream: it could not apply one of its events and skips the
 * stream's events until ops replay it (`ledger projections replay`). Retrying will not help, so no
 * Retry-After: 503 until then. Only the stream's own reads answer this; every other stream is served.
 */
export class ProjectionQuarantined extends Error {
  readonly code = 'projection-quarantined';
  readonly details: { projection: string };
  constructor(projection: string) {
    super(`the ${projection} read model cannot apply an event of this record and has set it aside; operations must fix and replay it before it can be read`);
    this.name = 'ProjectionQuarantined';
    this.details = { projection };
  }
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
    @Inject(GLOBAL_LOG) private readonly store: GlobalLog,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  /** Whether `projection` has quarantined the stream (in its live generation). */
  async isQuarantined(projection: string, streamId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `SELECT 1 FROM projection_quarantine q JOIN projection_checkpoints c ON c.name = q.projection AND c.generation = q.generation
        WHERE q.projection = $1 AND q.stream_id = $2`,
      [projection, streamId],
    );
    return rowCount === 1;
  }

  /** Throws ProjectionQuarantined when `projection` has quarantined the stream. */
  async assertNotQuarantined(projection: string, streamId: string): Promise<void> {
    if (await this.isQuarantined(projection, streamId)) throw new ProjectionQuarantined(projection);
  }

  /** Waits until every named projection has passed the event at global `position`. */
  async waitFor(projections: readonly string[], position: number, timeoutMs = FRESHNESS_TIMEOUT_MS): Promise<void> {
    if (position === 0 || projections.length === 0) return;
    const deadline = Date.now() + timeoutMs;
    let target: GlobalCheckpoint | undefined;
    // absent: not written, or not committed, yet
    const found = await pollUntil(async () => (target = await this.store.checkpointOf(position)) !== undefined, timeoutMs);
    if (!found) throw new ProjectionLagging(`no event at position ${position} within ${timeoutMs / 1000} s`);
    await this.waitForCheckpoint(projections, target!, Math.max(0, deadline - Date.now()), `position ${position}`);
  }

  /** Waits until every named projection's checkpoint is at or past `target`. */
  async waitForCheckpoint(projections: readonly string[], target: GlobalCheckpoint, timeoutMs = FRESHNESS_TIMEOUT_MS, what = 'the last write'): Promise<void> {
    let failed: string | undefined;
    const settled = await pollUntil(async () => {
      const { rows } = await this.pool.query(`SELECT name, status, transaction_id::text AS tx, position::text AS pos FROM projection_checkpoints WHERE name = ANY($1::text[])`, [
        projections,
      ]);
      const behind = projections.filter((name) => {
        const row = rows.find((candidate) => candidate.name === name);
        return !row || compareCheckpoints({ transactionId: Number(row.tx), position: Number(row.pos) }, target) < 0;
      });
      failed = rows.find((row) => row.status === 'failed' && behind.includes(row.name))?.name;
      return behind.length === 0 || failed !== undefined; // a failed projection will not move by itself
    }, timeoutMs);
    if (failed) throw new ProjectionLagging(`the ${failed} projection stopped on an error before ${what}`);
    if (!settled) throw new ProjectionLagging(`read models have not reached ${what} within ${FRESHNESS_TIMEOUT_MS / 1000} s`);
  }
}
