import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { CustomerNumberAllocated } from '@pi-ledger/ledger-domain/customer-number/customer-number';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { SUBJECT_MERGED_INTO } from '../duplicates/duplicate-candidates.projection';

/**
 * `customer_numbers`: each subject's number, found exactly. A subject's first allocation is its
 * number (a second one, which only a back-fill racing a registration could make, is ignored), so
 * replaying an event, or rebuilding, gives every subject the same number again. A merged-away
 * subject's number stays an alias of its survivor (`merged_into`, followed along chains of merges):
 * looking the number up finds the survivor.
 */
export class CustomerNumbersProjection implements Projection {
  readonly name = 'customer_numbers';
  readonly version = 2;
  readonly tables = ['customer_numbers'];
  readonly eventTypes: ReadonlySet<string> = new Set<string>(['CustomerNumberAllocated' satisfies CustomerNumberAllocated['type'], SUBJECT_MERGED_INTO]);

  /** The allocations between two merges in one statement (an import's batch allocates hundreds together); a merge repoints in order. */
  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const table = batch.table('customer_numbers');
    let run: RecordedEvent[] = [];
    for (const recorded of events) {
      if (recorded.type !== SUBJECT_MERGED_INTO) {
        run.push(recorded);
        continue;
      }
      await this.allocate(batch, table, run);
      run = [];
      const { subjectId, survivorId } = recorded.data as { subjectId: string; survivorId: string };
      await batch.client.query(`UPDATE ${table} SET merged_into = $2 WHERE subject_id = $1 OR merged_into = $1`, [subjectId, survivorId]);
    }
    await this.allocate(batch, table, run);
  }

  /** Inserted in the log's order, so of two allocations of one subject the first stays (DO NOTHING skips the later one, in this statement or a later). */
  private async allocate(batch: ProjectionBatch, table: string, events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const allocations = events.map((recorded) => ({ ...(recorded as unknown as CustomerNumberAllocated).data, position: recorded.position }));
    await batch.client.query(
      `INSERT INTO ${table} (subject_id, customer_number, year, sequence, allocated_at, position)
       SELECT s, n, y, q, t, p FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::timestamptz[], $6::bigint[]) WITH ORDINALITY AS a(s, n, y, q, t, p, i) ORDER BY i
       ON CONFLICT DO NOTHING`,
      [
        allocations.map((a) => a.subjectId),
        allocations.map((a) => a.customerNumber),
        allocations.map((a) => a.year),
        allocations.map((a) => a.sequence),
        allocations.map((a) => a.allocatedAt),
        allocations.map((a) => a.position),
      ],
    );
  }
}

@Injectable()
export class CustomerNumberQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The subject a number names: its own, or for a merged-away subject's number the survivor's. */
  async subjectOf(customerNumber: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ subject_id: string }>(`SELECT coalesce(merged_into, subject_id) AS subject_id FROM customer_numbers WHERE customer_number = $1`, [
      customerNumber,
    ]);
    return rows[0]?.subject_id;
  }

  async numberOf(subjectId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ customer_number: string }>(`SELECT customer_number FROM customer_numbers WHERE subject_id = $1`, [subjectId]);
    return rows[0]?.customer_number;
  }

  async numbersOf(subjectIds: readonly string[]): Promise<Map<string, string>> {
    if (subjectIds.length === 0) return new Map();
    const { rows } = await this.pool.query<{ subject_id: string; customer_number: string }>(
      `SELECT subject_id, customer_number FROM customer_numbers WHERE subject_id = ANY($1::text[])`,
      [subjectIds],
    );
    return new Map(rows.map((row) => [row.subject_id, row.customer_number]));
  }

  /**
   * Subjects not erased that have no number, registered before `before` (a registration allocates
   * its own number right after its append: those younger are left to it): the back-fill's work
   * list, oldest first.
   */
  async unnumbered(before: Date, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ subject_id: string }>(
      `SELECT p.subject_id FROM subject_profile p
        WHERE p.status <> 'erased' AND p.created_at < $1 AND NOT EXISTS (SELECT FROM customer_numbers c WHERE c.subject_id = p.subject_id)
        ORDER BY p.created_at, p.subject_id LIMIT $2`,
      [before, limit],
    );
    return rows.map((row) => row.subject_id);
  }
}
