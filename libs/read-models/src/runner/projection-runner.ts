import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { compareCheckpoints, GlobalBatch, GlobalCheckpoint, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { GlobalLog } from '@pi-ledger/event-store/event-store.port';
import { Projection, relevantEvents } from './projection';
import { GroupCommit } from '@pi-ledger/platform/concurrency/group-commit';
import { CheckpointRow, ProjectionCheckpoints, Skip } from './projection-checkpoints';
import { applyIsolated, batchOf, classifyFailure, describeStop, Failure, MAX_QUARANTINED_STREAMS } from './projection-quarantine';

export interface ProjectionRunnerOptions {
  /** Who holds the leases: unique per process. */
  owner?: string;
  batchSize?: number;
  leaseMs?: number;
  pollMs?: number;
  logger: Logger;
  /** Streams one generation of a projection may hold in quarantine; one more failing stream stops the projection instead. */
  maxQuarantinedStreams?: number;
  /** Observes each committed batch (metrics, tests). */
  onBatch?: (projection: string, events: number, checkpoint: GlobalCheckpoint) => void;
  /** Observes each stream put in quarantine (metrics, tests). */
  onQuarantine?: (projection: string, streamId: string, failure: Failure) => void;
}

type Outcome = 'applied' | 'stale' | 'transient' | 'isolate' | 'stopped';

/**
 * Runs projections over the global log. Per batch, in one transaction: lock the checkpoint row,
 * check the lease, apply, move the checkpoint. A crash at any moment leaves the read model and
 * its checkpoint in step.
 *
 * A batch the projection cannot apply is applied again one event at a time (projection-quarantine.ts):
 * an event that fails for a reason of its own quarantines its stream for that projection (its later
 * events are skipped) and the projection goes on with every other stream; a transient failure
 * (deadlock, serialization, timeout, connection) is tried again later; a fault of the projection's
 * code or schema, or too many quarantined streams, stops that projection only (status `failed`,
 * `lastError`), after the events before it have been applied.
 */
export class ProjectionRunner {
  /** Per projection, its last transient failure, for the log line. */
  private readonly lastTransient = new Map<string, ReturnType<typeof classifyFailure>>();
  readonly owner: string;
  private readonly checkpoints: ProjectionCheckpoints;
  private readonly loops: Promise<void>[] = [];
  /** Reads of the log under way, by where they start: loops at the same checkpoint share one (readBatch). */
  private readonly reading = new Map<string, Promise<GlobalBatch>>();
  private readonly skips: GroupCommit<Skip, boolean>;
  private stopping = false;

  constructor(
    private readonly pool: Pool,
    private readonly store: GlobalLog,
    private readonly projections: readonly Projection[],
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.owner = options.owner ?? `runner-${randomUUID()}`;
    this.checkpoints = new ProjectionCheckpoints(pool);
    // the loops a write woke skip together: one statement for those that arrive while one runs
    this.skips = new GroupCommit((skips) => this.checkpoints.skip(this.owner, skips));
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
    const batchSize = this.options.batchSize ?? 500;
    let leaseUntil = 0;
    let transientFailures = 0;
    // the checkpoint row as this loop last left it: read again whenever a step finds it moved (stale)
    let known: CheckpointRow | undefined;
    while (!this.stopping) {
      try {
        if (Date.now() > leaseUntil - leaseMs / 2) {
          if (!(await this.checkpoints.lease(projection.name, this.owner, leaseMs))) {
            known = undefined;
            await this.pause(Math.min(leaseMs / 2, 1000));
            continue;
          }
          leaseUntil = Date.now() + leaseMs;
        }
        const row = (known ??= await this.checkpoints.get(projection.name));
        if (!row || row.status !== 'running') {
          known = undefined;
          await this.pause(pollMs);
          continue;
        }
        const generation = this.store.wakeups.generation;
        const batch = await this.readBatch(row.checkpoint, batchSize, projection.readsData ?? true);
        if (batch.events.length === 0) {
          await this.store.wakeups.wait(generation, batch.heldBack ? 20 : pollMs);
          continue;
        }
        if (relevantEvents(projection, batch.events).length === 0) {
          // most batches hold nothing for most projections (a read's access record): one statement, no transaction
          const last = batch.events[batch.events.length - 1].checkpoint;
          if (await this.skips.add({ name: projection.name, generation: row.generation, from: row.checkpoint, to: last })) {
            known = { ...row, checkpoint: last };
            this.options.onBatch?.(projection.name, batch.events.length, last);
          } else known = undefined;
          continue;
        }
        let outcome = await this.applyBatch(projection, row, batch.events, false);
        // applied as a whole: this loop knows where the checkpoint is; anything else (stale, isolated, stopped) reads it again
        known = outcome === 'applied' ? { ...row, checkpoint: batch.events[batch.events.length - 1].checkpoint } : undefined;
        // the batch failed: apply it again event by event, to quarantine the streams at fault
        if (outcome === 'isolate') outcome = await this.applyBatch(projection, row, batch.events, true);
        if (outcome === 'transient') {
          // one that keeps failing (a disk full, a timeout on a huge batch) must not spin: back off, say so
          transientFailures++;
          if (transientFailures === 1 || transientFailures % 10 === 0) {
            this.options.logger.warn(
              { projection: projection.name, failure: this.lastTransient.get(projection.name), attempts: transientFailures },
              'projection batch failed transiently; retrying',
            );
          }
          await this.pause(Math.min(pollMs * 2 ** Math.min(transientFailures - 1, 6), 10_000));
          continue;
        }
        transientFailures = 0;
        if (outcome === 'applied' && batch.events.length < batchSize && projection.batchLingerMs) await this.linger(projection.batchLingerMs);
      } catch (error) {
        known = undefined;
        // the failure's code, not its message: a database's message can echo the values of an event
        this.options.logger.warn({ projection: projection.name, failure: classifyFailure(error) }, 'projection loop error; retrying');
        await this.pause(pollMs);
      }
    }
  }

  private async applyBatch(projection: Projection, expected: CheckpointRow, events: RecordedEvent[], isolate: boolean): Promise<Outcome> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const row = await this.checkpoints.get(projection.name, client, true);
      // A rebuild switched generations, someone paused it, or the lease moved: read again.
      if (!row || row.status !== 'running' || row.generation !== expected.generation || compareCheckpoints(row.checkpoint, expected.checkpoint) !== 0) {
        await client.query('ROLLBACK');
        return 'stale';
      }
      // a statement of its own, after the lock is granted: read with the FOR UPDATE above, they would be as of before the wait
      // (a replay that lifted a quarantine meanwhile would go unseen, and the stream's newer events skipped)
      const { rows } = await client.query(
        `SELECT EXISTS (SELECT FROM projection_leases WHERE name = $1 AND owner = $2 AND expires_at > now()) AS holds,
                ARRAY(SELECT stream_id FROM projection_quarantine WHERE projection = $1 AND generation = $3) AS quarantined`,
        [projection.name, this.owner, row.generation],
      );
      if (!rows[0].holds) {
        await client.query('ROLLBACK');
        return 'stale';
      }
      const quarantined = new Set<string>(rows[0].quarantined);
      if (!isolate) {
        const relevant = relevantEvents(projection, events).filter((event) => !quarantined.has(event.streamId));
        try {
          if (relevant.length > 0) await projection.apply(batchOf(client, row.generation), relevant);
        } catch (error) {
          await client.query('ROLLBACK');
          // deadlock, serialization failure, lock or statement timeout, an outage: try the batch again later
          const failure = classifyFailure(error);
          if (failure.kind !== 'transient') return 'isolate';
          this.lastTransient.set(projection.name, failure);
          return 'transient';
        }
        const last = events[events.length - 1].checkpoint;
        await this.checkpoints.advance(client, projection.name, last);
        await client.query('COMMIT');
        this.options.onBatch?.(projection.name, events.length, last);
        return 'applied';
      }

      const isolated = await applyIsolated(client, projection, row.generation, events, quarantined, this.options.maxQuarantinedStreams ?? MAX_QUARANTINED_STREAMS);
      if (isolated.through >= 0) await this.checkpoints.advance(client, projection.name, events[isolated.through].checkpoint);
      if (isolated.stopped) await this.checkpoints.fail(projection.name, isolated.stopped.event.position, describeStop(isolated.stopped), client);
      await client.query('COMMIT');
      for (const { event, failure } of isolated.quarantined) {
        this.options.logger.error(
          { projection: projection.name, streamId: event.streamId, position: event.position, eventId: event.eventId, eventType: event.type, failure },
          'stream quarantined: the projection cannot apply one of its events; it goes on with every other stream (ledger projections replay)',
        );
        this.options.onQuarantine?.(projection.name, event.streamId, failure);
      }
      if (isolated.stopped) {
        const { event, failure } = isolated.stopped;
        this.options.logger.error({ projection: projection.name, position: event.position, eventType: event.type, failure }, 'projection stopped on an event it cannot apply');
      }
      if (isolated.through >= 0) this.options.onBatch?.(projection.name, isolated.through + 1, events[isolated.through].checkpoint);
      return isolated.stopped ? 'stopped' : 'applied';
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * The batch after `from`. A write wakes every loop at once, and most stand at the same checkpoint:
   * they share one read of the log instead of each making its own (read-only; each applies its own copy).
   */
  private readBatch(from: GlobalCheckpoint, size: number, data: boolean): Promise<GlobalBatch> {
    const key = `${from.transactionId}:${from.position}:${size}:${data}`;
    let read = this.reading.get(key);
    if (!read) {
      read = this.store.readGlobalBatch(from, size, { data }).finally(() => this.reading.delete(key));
      this.reading.set(key, read);
    }
    return read;
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
