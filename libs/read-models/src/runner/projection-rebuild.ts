import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { inTransaction } from '@pi-ledger/platform/database/transaction';
import { BEGINNING, compareCheckpoints, GlobalCheckpoint, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { GlobalLog } from '@pi-ledger/event-store/event-store.port';
import { Projection, relevantEvents } from './projection';
import { physicalTable, ProjectionCheckpoints } from './projection-checkpoints';
import { applyIsolated, batchOf, classifyFailure, describeStop, dropQuarantine, Failure, MAX_QUARANTINED_STREAMS, quarantinedStreams } from './projection-quarantine';

export interface RebuildOptions {
  /** A connection pool with DDL rights (the owner): creates, switches and drops generations. */
  ownerPool: Pool;
  store: GlobalLog;
  projection: Projection;
  batchSize?: number;
  /** A rebuild whose heartbeat is older than this is taken over (and resumed). */
  staleAfterMs?: number;
  onProgress?: (done: number, total: number) => void;
  /** Streams the new generation may hold in quarantine; one more failing stream fails the rebuild. */
  maxQuarantinedStreams?: number;
  /** Observes each stream the rebuild puts in quarantine. */
  onQuarantine?: (streamId: string, position: number, failure: Failure) => void;
}

export interface RebuildResult {
  generation: number;
  events: number;
  resumed: boolean;
  /** Streams in quarantine in the new generation (the live one's from the switch on). */
  quarantined: number;
}

/**
 * Zero-downtime rebuild: fill generation n+1 of the projection's tables beside the live one while
 * writes go on, then, holding the live checkpoint's row lock (which pauses the live runner for a
 * moment), catch up with every transaction older than its own, point the views at n+1, move the
 * checkpoint, and drop n; the live runner carries on from there.
 * Killed at any moment, it resumes from its own checkpoint when run again.
 */
export async function rebuildProjection(options: RebuildOptions): Promise<RebuildResult> {
  const { ownerPool: pool, store, projection } = options;
  const checkpoints = new ProjectionCheckpoints(pool);
  await checkpoints.register([projection]);
  const live = (await checkpoints.get(projection.name))!.generation;
  const next = live + 1;
  const owner = `rebuild-${randomUUID()}`;
  const claim = await claimRebuild(pool, projection.name, next, owner, options.staleAfterMs ?? 30_000);
  const resumed = claim.resumed && (await tablesExist(pool, projection, next));
  // A generation left behind by an interrupted switch would keep PI no erasure reaches: drop it.
  await dropGenerationsExcept(pool, projection, [live, next]);
  if (!resumed) await createGeneration(pool, projection, live, next);
  // Streams that still fail are quarantined in the new generation instead of failing the rebuild;
  // those of the live one are tried afresh (the fix may be in this release).
  if (!resumed) await dropQuarantine(pool, projection.name, { drop: next });
  const quarantined = await quarantinedStreams(pool, projection.name, next);
  const apply = (client: PoolClient, events: readonly RecordedEvent[]) => applyGuarded(client, projection, next, events, quarantined, options);

  const total = await countEvents(pool);
  let done = resumed ? await countEventsUpTo(pool, claim.checkpoint) : 0;
  let checkpoint = resumed ? claim.checkpoint : BEGINNING;
  // Chase the head as it was when each pass began, never the moving head itself: under a writer
  // faster than the rebuild that would never end. A few passes shrink what the locked switch does.
  for (let pass = 0; pass < 3; pass++) {
    const target = await store.headCheckpoint();
    while (compareCheckpoints(checkpoint, target) < 0) {
      const batch = await store.readGlobalBatch(checkpoint, options.batchSize ?? 1000, { data: projection.readsData ?? true });
      if (batch.events.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20)); // held back behind an older open transaction
        continue;
      }
      checkpoint = await inTransaction(pool, async (client) => {
        await apply(client, batch.events);
        const last = batch.events[batch.events.length - 1].checkpoint;
        const { rowCount } = await client.query(`UPDATE projection_rebuilds SET transaction_id = $3, position = $4, heartbeat_at = now() WHERE name = $1 AND owner = $2`, [
          projection.name,
          owner,
          last.transactionId,
          last.position,
        ]);
        if (rowCount !== 1) throw new Error(`the rebuild of ${projection.name} was taken over by another process`);
        return last;
      });
      done += batch.events.length;
      options.onProgress?.(Math.min(done, total), Math.max(total, done));
    }
  }

  await inTransaction(pool, async (client) => {
    await checkpoints.get(projection.name, client, true); // the live runner waits here
    for (;;) {
      const batch = await store.readGlobalBatch(checkpoint, options.batchSize ?? 1000, { data: projection.readsData ?? true });
      if (batch.events.length === 0) break;
      await apply(client, batch.events);
      checkpoint = batch.events[batch.events.length - 1].checkpoint;
      done += batch.events.length;
    }
    for (const table of projection.tables) await client.query(`CREATE OR REPLACE VIEW "${table}" AS SELECT * FROM ${physicalTable(table, next)}`);
    await client.query(
      `UPDATE projection_checkpoints SET generation = $2, version = $3, status = 'running', transaction_id = $4, position = $5,
         last_error = NULL, failed_position = NULL, updated_at = now() WHERE name = $1`,
      [projection.name, next, projection.version, checkpoint.transactionId, checkpoint.position],
    );
    await dropQuarantine(client, projection.name, { keep: next });
    await client.query(`DELETE FROM projection_rebuilds WHERE name = $1`, [projection.name]);
  });
  await dropGenerationsExcept(pool, projection, [next]);
  options.onProgress?.(done, Math.max(total, done));
  return { generation: next, events: done, resumed, quarantined: quarantined.size };
}

/**
 * Applies a batch of the rebuild under a savepoint; if it fails for a reason that is not transient,
 * again one event at a time, quarantining the streams at fault in the new generation. A fault that
 * is not one stream's (projection-quarantine.ts) fails the rebuild, which can be run again.
 */
async function applyGuarded(
  client: PoolClient,
  projection: Projection,
  generation: number,
  events: readonly RecordedEvent[],
  quarantined: Set<string>,
  options: RebuildOptions,
): Promise<void> {
  const relevant = relevantEvents(projection, events).filter((event) => !quarantined.has(event.streamId));
  if (relevant.length === 0) return;
  await client.query('SAVEPOINT projection_batch');
  try {
    await projection.apply(batchOf(client, generation), relevant);
    await client.query('RELEASE SAVEPOINT projection_batch');
    return;
  } catch (error) {
    if (classifyFailure(error).kind === 'transient') throw error;
    await client.query('ROLLBACK TO SAVEPOINT projection_batch');
  }
  const isolated = await applyIsolated(client, projection, generation, events, quarantined, options.maxQuarantinedStreams ?? MAX_QUARANTINED_STREAMS);
  for (const { event, failure } of isolated.quarantined) options.onQuarantine?.(event.streamId, event.position, failure);
  if (isolated.stopped) throw new Error(`the rebuild of ${projection.name} stopped: ${describeStop(isolated.stopped)}`);
}

async function claimRebuild(pool: Pool, name: string, generation: number, owner: string, staleAfterMs: number): Promise<{ resumed: boolean; checkpoint: GlobalCheckpoint }> {
  const { rows } = await pool.query(
    `INSERT INTO projection_rebuilds (name, generation, owner) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, heartbeat_at = now()
       WHERE projection_rebuilds.heartbeat_at < now() - $4 * interval '1 millisecond'
     RETURNING generation, transaction_id::text AS tx, position::text AS pos, (xmax <> 0) AS existed`,
    [name, generation, owner, staleAfterMs],
  );
  if (rows.length === 0) throw new Error(`a rebuild of ${name} is already running (its heartbeat is recent)`);
  const row = rows[0];
  const sameGeneration = row.generation === generation;
  if (!sameGeneration) await pool.query(`UPDATE projection_rebuilds SET generation = $2, transaction_id = 0, position = 0 WHERE name = $1`, [name, generation]);
  const resumed = row.existed && sameGeneration && Number(row.pos) > 0;
  return { resumed, checkpoint: resumed ? { transactionId: Number(row.tx), position: Number(row.pos) } : BEGINNING };
}

async function createGeneration(pool: Pool, projection: Projection, live: number, next: number): Promise<void> {
  for (const table of projection.tables) {
    await pool.query(`DROP TABLE IF EXISTS ${physicalTable(table, next)}`);
    await pool.query(`CREATE TABLE ${physicalTable(table, next)} (LIKE ${physicalTable(table, live)} INCLUDING ALL)`);
    await pool.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE, DELETE ON ${physicalTable(table, next)} TO pi_ledger_app;
        END IF;
      END $$`);
  }
}

async function dropGenerationsExcept(pool: Pool, projection: Projection, keep: number[]): Promise<void> {
  for (const table of projection.tables) {
    const { rows } = await pool.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname ~ $1`, [`^${table}__g[0-9]+$`]);
    for (const { relname } of rows as Array<{ relname: string }>) {
      const generation = Number(relname.slice(relname.lastIndexOf('__g') + 3));
      if (!keep.includes(generation)) await pool.query(`DROP TABLE IF EXISTS ${physicalTable(table, generation)}`);
    }
  }
}

async function tablesExist(pool: Pool, projection: Projection, generation: number): Promise<boolean> {
  for (const table of projection.tables) {
    const { rows } = await pool.query(`SELECT to_regclass($1) AS t`, [physicalTable(table, generation)]);
    if (!rows[0].t) return false;
  }
  return true;
}

async function countEvents(pool: Pool): Promise<number> {
  return (await pool.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n;
}

async function countEventsUpTo(pool: Pool, checkpoint: GlobalCheckpoint): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE (transaction_id, position) <= ($1::text::xid8, $2::bigint)`, [
    String(checkpoint.transactionId),
    checkpoint.position,
  ]);
  return rows[0].n;
}
