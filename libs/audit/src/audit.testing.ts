import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { inTransaction } from '@pi-ledger/platform/database/transaction';
import { BEGINNING, EventStore, GlobalCheckpoint, GlobalLog, NewEvent, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { AuditTreeWriter } from './audit-tree-writer';

/** Helpers for the audit specs (and other specs needing an audited ledger): no test framework here. */

export function auditTestEvent(type: string, n: number): NewEvent {
  return {
    type,
    // data as the vault leaves it: ciphertext only; the tree commits to its digest
    data: { n, phone: { ciphertext: `c-${randomUUID()}`, keyId: 'k1' }, tags: ['a', n % 3 === 0 ? 'b' : 'c'] },
    metadata: { actor: `staff-${n % 4}`, roles: ['staff'], purposeId: 'health-management', legalBasis: 'consent', correlationId: randomUUID() },
  };
}

/** `count` events over a few streams, appended 1–3 at a time; returns them in global order. */
export async function appendAuditTestEvents(store: EventStore, count: number, streams = 5): Promise<void> {
  const prefix = randomUUID().slice(0, 8);
  for (let n = 0; n < count;) {
    const size = Math.min(1 + (n % 3), count - n);
    const events = Array.from({ length: size }, (_, i) => auditTestEvent(`Event${(n + i) % 4}`, n + i));
    await store.appendToStream(`subject-${prefix}-${n % streams}`, events);
    n += size;
  }
}

/**
 * Every event in global order, as stored. Waits out events held back by transactions still open:
 * the horizon is the whole server's, so other test files' transactions count too.
 */
export async function readAllEvents(store: GlobalLog): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  const deadline = Date.now() + 30_000;
  for (let from: GlobalCheckpoint = BEGINNING; ;) {
    const { events, heldBack } = await store.readGlobalBatch(from, 1000);
    if (events.length === 0 && !heldBack) return all;
    if (events.length === 0) {
      if (Date.now() > deadline) throw new Error('events stay held back by an open transaction');
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    all.push(...events);
    from = events[events.length - 1].checkpoint;
  }
}

/** Feeds `events` to the writer in batches of `batchSize`, one transaction each, as the runner would. */
export async function writeTree(pool: Pool, events: readonly RecordedEvent[], batchSize = 7, writer = new AuditTreeWriter()): Promise<number> {
  let size = 0;
  for (let i = 0; i < events.length; i += batchSize) {
    size = (await inTransaction(pool, (client) => writer.append(client, events.slice(i, i + batchSize)))).treeSize;
  }
  return size;
}

export { inTransaction };
