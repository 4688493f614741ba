import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches, forgetRecordStream } from './record-erasure';

/** How one kind of immutable customer record becomes one row: columns in order, the first its id, the second its subject. */
export interface RecordRows {
  name: string;
  /** The event that records it (one per stream). */
  recordedType: string;
  category: Category;
  streamPrefix: string;
  columns: readonly string[];
  /** The row's values for `columns`, the sealed value kept as its event sealed it. */
  values(data: Record<string, unknown>): unknown[];
}

/**
 * One row per record, written once (a replayed event changes nothing), the PI kept exactly as the
 * event sealed it, so the row opens only while the customer's key for the category lives; the
 * subject's rows go when an erasure reaches the category, or when its stream is quarantined.
 */
export class RecordRowsProjection implements Projection {
  readonly version = 1;
  readonly name: string;
  readonly tables: readonly string[];
  readonly eventTypes: ReadonlySet<string>;

  constructor(private readonly rows: RecordRows) {
    this.name = rows.name;
    this.tables = [rows.name];
    this.eventTypes = new Set([rows.recordedType, 'SubjectErased']);
  }

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const table = batch.table(this.rows.name);
    const [idColumn, subjectColumn] = this.rows.columns;
    for (const recorded of events) {
      if (recorded.type === 'SubjectErased') {
        const erased = recorded as unknown as Extract<SubjectEvent, { type: 'SubjectErased' }>;
        if (erasureReaches(erased, this.rows.category)) await batch.client.query(`DELETE FROM ${table} WHERE ${subjectColumn} = $1`, [erased.data.subjectId]);
        continue;
      }
      const values = [...this.rows.values(recorded.data), recorded.position];
      await batch.client.query(
        `INSERT INTO ${table} (${[...this.rows.columns, 'position'].join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT (${idColumn}) DO NOTHING`,
        values,
      );
    }
  }

  forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    const [idColumn, subjectColumn] = this.rows.columns;
    return forgetRecordStream(batch, streamId, { table: this.rows.name, idColumn, subjectColumn, streamPrefix: this.rows.streamPrefix });
  }
}
