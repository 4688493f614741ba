import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { CheckupEvent, checkupStream } from '@pi-ledger/ledger-domain/checkups/checkup.events';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches, subjectOfStream } from '../subject-records/record-erasure';

const STREAM_PREFIX = checkupStream('');

/**
 * `checkup_visits`: one row per visit, the visit kept exactly as its event sealed it (so the row
 * opens only while the customer's `health_records` key lives), purged when an erasure reaches it.
 */
export class CheckupVisitsProjection implements Projection {
  readonly name = 'checkup_visits';
  readonly version = 1;
  readonly tables = ['checkup_visits'];
  readonly eventTypes: ReadonlySet<string> = new Set(['CheckupRecorded', 'SubjectErased']);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const table = batch.table('checkup_visits');
    for (const recorded of events) {
      const event = recorded as unknown as CheckupEvent<unknown> | Extract<SubjectEvent, { type: 'SubjectErased' }>;
      if (event.type === 'SubjectErased') {
        if (erasureReaches(event, 'health_records')) await batch.client.query(`DELETE FROM ${table} WHERE subject_id = $1`, [event.data.subjectId]);
        continue;
      }
      const d = event.data;
      await batch.client.query(
        `INSERT INTO ${table} (visit_id, subject_id, visit_date, recorded_by, recorded_at, visit, position) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (visit_id) DO NOTHING`,
        [d.visitId, d.subjectId, d.visitDate, d.recordedBy, d.recordedAt, JSON.stringify(d.visit), recorded.position],
      );
    }
  }

  async forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    const table = batch.table('checkup_visits');
    const subjectId = subjectOfStream(streamId);
    if (subjectId) await batch.client.query(`DELETE FROM ${table} WHERE subject_id = $1`, [subjectId]);
    else if (streamId.startsWith(STREAM_PREFIX)) await batch.client.query(`DELETE FROM ${table} WHERE visit_id = $1`, [streamId.slice(STREAM_PREFIX.length)]);
  }
}
