import { Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { JsonObject, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { inTransaction } from '@pi-ledger/platform/database/transaction';
import { Projection, relevantEvents } from '../runner/projection';

/** Helpers for the projections' integration specs (no test framework here). */

/** Applies `events` to generation 1 of the projection's tables in one transaction, as the runner would. */
export async function applyEvents(pool: Pool, projection: Projection, events: readonly RecordedEvent[]): Promise<void> {
  const relevant = relevantEvents(projection, events);
  await inTransaction(pool, async (client) => {
    if (relevant.length > 0) await projection.apply({ client, table: (table) => `"${table}__g1"` }, relevant);
  });
}

/** Every row of the projection's tables, through their views, in a stable order. */
export async function snapshot(pool: Pool, projection: Projection): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of projection.tables) tables[table] = (await pool.query(`SELECT * FROM ${table} ORDER BY 1, 2`)).rows;
  return tables;
}

/**
 * Applies the events, then applies them again and returns the rows, after checking that the
 * second application changed nothing.
 */
export async function applyTwice(
  pool: Pool,
  projection: Projection,
  events: readonly RecordedEvent[],
): Promise<{ once: Record<string, unknown[]>; twice: Record<string, unknown[]> }> {
  await applyEvents(pool, projection, events);
  const once = await snapshot(pool, projection);
  await applyEvents(pool, projection, events);
  return { once, twice: await snapshot(pool, projection) };
}

let nextPosition = 1;

/** A RecordedEvent as the store would hand it over; positions (and checkpoints) increase per call. */
export function recordedEvent(
  type: string,
  data: JsonObject,
  at: { streamId: string; streamVersion: number; eventId?: string; recordedAt?: Date; position?: number },
): RecordedEvent {
  const position = at.position ?? nextPosition++;
  return {
    eventId: at.eventId ?? uuidv7(),
    type,
    schemaVersion: 1,
    data,
    metadata: { actor: 'spec', roles: ['staff'], correlationId: 'spec' },
    recordedAt: at.recordedAt ?? new Date(),
    streamId: at.streamId,
    streamVersion: at.streamVersion,
    position,
    checkpoint: { transactionId: position, position },
    payloadDigest: '00',
  };
}
