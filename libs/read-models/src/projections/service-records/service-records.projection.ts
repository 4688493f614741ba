import { serviceRecordStream } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import { RecordRowsProjection } from '../subject-records/record-rows.projection';

/** `service_records`: one row per service, its details sealed under the customer's `service_interactions` key. */
export function serviceRecordsProjection(): RecordRowsProjection {
  return new RecordRowsProjection({
    name: 'service_records',
    recordedType: 'ServiceRecorded',
    category: 'service_interactions',
    streamPrefix: serviceRecordStream(''),
    columns: ['record_id', 'subject_id', 'service_date', 'service_type', 'staff_id', 'recorded_by', 'recorded_at', 'details'],
    values: (d) => [d.recordId, d.subjectId, d.serviceDate, d.serviceType, d.staffId, d.recordedBy, d.recordedAt, JSON.stringify(d.details)],
  });
}
