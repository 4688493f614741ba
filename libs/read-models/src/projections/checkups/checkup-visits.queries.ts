import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { CheckupEvent } from '@pi-ledger/ledger-domain/checkups/checkup.events';

/** A visit as stored: its event's data, the visit still sealed. */
export type StoredCheckup = CheckupEvent<unknown>['data'];

// the date as its text: node-pg would read a `date` as an instant at the host's midnight
const COLUMNS = `visit_id, subject_id, visit_date::text AS visit_date, recorded_by, recorded_at, visit`;

@Injectable()
export class CheckupVisitQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A subject's visits, newest first. */
  async bySubject(subjectId: string): Promise<StoredCheckup[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM checkup_visits WHERE subject_id = $1 ORDER BY checkup_visits.visit_date DESC, recorded_at DESC`, [subjectId]);
    return rows.map(toStored);
  }

  async find(subjectId: string, visitId: string): Promise<StoredCheckup | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM checkup_visits WHERE subject_id = $1 AND visit_id = $2`, [subjectId, visitId]);
    return rows[0] ? toStored(rows[0]) : undefined;
  }
}

function toStored(row: Record<string, unknown>): StoredCheckup {
  return {
    visitId: row.visit_id as string,
    subjectId: row.subject_id as string,
    visitDate: row.visit_date as string,
    recordedBy: row.recorded_by as string,
    recordedAt: (row.recorded_at as Date).toISOString(),
    visit: row.visit,
  };
}
