import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { compareCheckpoints, GlobalCheckpoint, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { GlobalLog } from '@pi-ledger/event-store/event-store.port';
import { redactMessage } from '@pi-ledger/platform/logging/pi-redaction';
import { Projection, relevantEvents } from './projection';
import { CheckpointRow, physicalTable, ProjectionCheckpoints } from './projection-checkpoints';

const TRANSIENT = /^(40001|40P01|55P03|57014)$/;

export interface ProjectionRunnerOptions {
  /** Who holds the leases: unique per process. */
  owner?: string;
  batchSize?: number;
  leaseMs?: number;
  pollMs?: number;
  logger: Logger;
  /** Observes each committed batch (metrics, tests). */
  onBatch?: (projection: string, events: number, checkpoint: GlobalCheckpoint) => void;
}

/**
 * Runs projections over the global log. Per batch, in one transaction: lock the checkpoint row,
 * check the lease, apply, move the checkpoint. A crash at any moment leaves the read model and
 * its checkpoint in step. An event whose projection throws stops that projection only (status
 * `failed`, `lastError`), after the events before it have been applied.
 */
export class ProjectionRunner {
  readonly owner: string;
  private readonly checkpoints: ProjectionCheckpoints;
  private readonly loops: Promise<void>[] = [];
  private stopping = false;

  constructor(
    private readonly pool: Pool,
    private readonly store: GlobalLog,
    private readonly projections: readonly Projection[],
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.owner = options.owner ?? `runner-${randomUUID()}`;
    this.checkpoints = new ProjectionCheckpoints(pool);
  }

  async start(): Promise<void> {
    await this.checkpoints.register(this.projections);
    for (const projection of this.projections) this.loops.push(this.loop(projection));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.store.wakeups.interrupt();
    await Promise.all(this.loops);
    await this.checkpoints.release(this.owner).catch(() => undefined);
  }

  private async loop(projection: Projection): Promise<void> {
    const leaseMs = this.options.leaseMs ?? 10_000;
    const pollMs = this.options.pollMs ?? 500;
    let batchSize = this.options.batchSize ?? 500;
    let leaseUntil = 0;
    while (!this.stopping) {
      try {
        if (Date.now() > leaseUntil - leaseMs / 2) {
          if (!(await this.checkpoints.lease(projection.name, this.owner, leaseMs))) {
            await this.pause(Math.min(leaseMs / 2, 1000));
            continue;
          }
          leaseUntil = Date.now() + leaseMs;
        }
        const row = await this.checkpoints.get(projection.name);
        if (!row || row.status !== 'running') {
          await this.pause(pollMs);
          continue;
        }
        const generation = this.store.wakeups.generation;
        const batch = await this.store.readGlobalBatch(row.checkpoint, batchSize, { data: projection.readsData ?? true });
        if (batch.events.length === 0) {
          await this.store.wakeups.wait(generation, batch.heldBack ? 20 : pollMs);
          continue;
        }
        const outcome = await this.applyBatch(projection, row, batch.events);
        if (outcome === 'failed') {
          if (batchSize > 1) {
            batchSize = 1; // find the poison event: apply one at a time until it comes up again
            continue;
          }
          await this.markFailed(projection, batch.events[0]);
        } else if (outcome === 'applied') {
          const caughtUp = batch.events.length < batchSize;
          batchSize = this.options.batchSize ?? 500;
          if (caughtUp && projection.batchLingerMs) await this.linger(projection.batchLingerMs);
        }
      } catch (error) {
        this.options.logger.warn({ err: error, projection: projection.name }, 'projection loop error; retrying');
        await this.pause(pollMs);
      }
    }
  }

  private lastFailure = new Map<string, unknown>();

  private async applyBatch(projection: Projection, expected: CheckpointRow, events: RecordedEvent[]): Promise<'applied' | 'stale' | 'failed'> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const row = await this.checkpoints.get(projection.name, client, true);
      // A rebuild switched generations, someone paused it, or the lease moved: read again.
      if (!row || row.status !== 'running' || row.generation !== expected.generation || compareCheckpoints(row.checkpoint, expected.checkpoint) !== 0) {
        await client.query('ROLLBACK');
        return 'stale';
      }
      if (!(await this.checkpoints.holdsLease(client, projection.name, this.owner))) {
        await client.query('ROLLBACK');
        return 'stale';
      }
      const relevant = relevantEvents(projection, events);
      try {
        if (relevant.length > 0) await projection.apply(batchOf(client, row.generation), relevant);
      } catch (error) {
        await client.query('ROLLBACK');
        // deadlock, serialization failure, lock or statement timeout: try the batch again later
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && TRANSIENT.test(code)) return 'stale';
        this.lastFailure.set(projection.name, error);
        return 'failed';
      }
      const last = events[events.length - 1].checkpoint;
      await this.checkpoints.advance(client, projection.name, last);
      await client.query('COMMIT');
      this.options.onBatch?.(projection.name, events.length, last);
      return 'applied';
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async markFailed(projection: Projection, event: RecordedEvent): Promise<void> {
    const error = this.lastFailure.get(projection.name);
    const message = redactMessage(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    await this.checkpoints.fail(projection.name, event.position, `event ${event.eventId} (${event.type}) at position ${event.position}: ${message}`);
    this.options.logger.error({ projection: projection.name, position: event.position, eventType: event.type }, 'projection stopped on an event it cannot apply');
  }

  /** Sleeps through wake-ups (unlike `pause`), but not through `stop()`. */
  private async linger(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, until - Date.now())));
    }
  }

  private pause(ms: number): Promise<void> {
    return this.store.wakeups.wait(this.store.wakeups.generation, ms);
  }
}

export function batchOf(client: PoolClient, generation: number) {
  return { client, table: (name: string) => physicalTable(name, generation) };
}
