import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { ServiceRecordEvent } from '@pi-ledger/ledger-domain/service-records/service-record.events';

/** A service record as stored: its event's data, the details still sealed. */
export type StoredServiceRecord = ServiceRecordEvent<unknown>['data'];

// the date as its text: node-pg would read a `date` as an instant at the host's midnight
const COLUMNS = `record_id, subject_id, service_date::text AS service_date, service_type, staff_id, recorded_by, recorded_at, details`;

@Injectable()
export class ServiceRecordQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A subject's services, newest first, of one type when given. */
  async bySubject(subjectId: string, serviceType?: string): Promise<StoredServiceRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM service_records WHERE subject_id = $1 AND ($2::text IS NULL OR service_type = $2) ORDER BY service_records.service_date DESC, recorded_at DESC`,
      [subjectId, serviceType ?? null],
    );
    return rows.map((row) => ({
      recordId: row.record_id,
      subjectId: row.subject_id,
      serviceDate: row.service_date,
      serviceType: row.service_type,
      staffId: row.staff_id,
      recordedBy: row.recorded_by,
      recordedAt: (row.recorded_at as Date).toISOString(),
      details: row.details,
    }));
  }
}
