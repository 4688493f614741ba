import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { CustomerNumberAllocated } from '@pi-ledger/ledger-domain/customer-number/customer-number';
import type { Projection, ProjectionBatch } from '../../runner/projection';

/**
 * `customer_numbers`: each subject's number, found exactly. A subject's first allocation is its
 * number (a second one, which only a back-fill racing a registration could make, is ignored), so
 * replaying an event, or rebuilding, gives every subject the same number again.
 */
export class CustomerNumbersProjection implements Projection {
  readonly name = 'customer_numbers';
  readonly version = 1;
  readonly tables = ['customer_numbers'];
  readonly eventTypes: ReadonlySet<string> = new Set<CustomerNumberAllocated['type']>(['CustomerNumberAllocated']);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const table = batch.table('customer_numbers');
    for (const recorded of events) {
      const { data } = recorded as unknown as CustomerNumberAllocated;
      await batch.client.query(
        `INSERT INTO ${table} (subject_id, customer_number, year, sequence, allocated_at, position) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING`,
        [data.subjectId, data.customerNumber, data.year, data.sequence, data.allocatedAt, recorded.position],
      );
    }
  }
}

@Injectable()
export class CustomerNumberQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

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
