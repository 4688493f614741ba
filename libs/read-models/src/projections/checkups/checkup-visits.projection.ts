import { checkupStream } from '@pi-ledger/ledger-domain/checkups/checkup.events';
import { RecordRowsProjection } from '../subject-records/record-rows.projection';

/** `checkup_visits`: one row per visit, the visit sealed under the customer's `health_records` key. */
export function checkupVisitsProjection(): RecordRowsProjection {
  return new RecordRowsProjection({
    name: 'checkup_visits',
    recordedType: 'CheckupRecorded',
    category: 'health_records',
    streamPrefix: checkupStream(''),
    columns: ['visit_id', 'subject_id', 'visit_date', 'recorded_by', 'recorded_at', 'visit'],
    values: (d) => [d.visitId, d.subjectId, d.visitDate, d.recordedBy, d.recordedAt, JSON.stringify(d.visit)],
  });
}
