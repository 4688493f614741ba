import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';

export interface ConsentRecord {
  consentId: string;
  subjectId: string;
  purposeId: string;
  categories: string[];
  separate: boolean;
  guardian: boolean;
  status: 'active' | 'withdrawn';
  noticeVersion: string;
  channel: string;
  grantedAt: string;
  withdrawnAt?: string;
}

/** Reads of the `consent_register` view. */
@Injectable()
export class ConsentRegisterQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A subject's consents in the order they were given. */
  async bySubject(subjectId: string): Promise<ConsentRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT consent_id, subject_id, purpose_id, categories, separate, guardian, status, notice_version, channel, granted_at, withdrawn_at
         FROM consent_register WHERE subject_id = $1 ORDER BY granted_at, consent_id`,
      [subjectId],
    );
    return rows.map((row) => ({
      consentId: row.consent_id,
      subjectId: row.subject_id,
      purposeId: row.purpose_id,
      categories: row.categories,
      separate: row.separate,
      guardian: row.guardian,
      status: row.status,
      noticeVersion: row.notice_version,
      channel: row.channel,
      grantedAt: (row.granted_at as Date).toISOString(),
      ...(row.withdrawn_at ? { withdrawnAt: (row.withdrawn_at as Date).toISOString() } : {}),
    }));
  }

  /** Consents per purpose and status, e.g. {marketing: {active: 3, withdrawn: 1}}. */
  async countsByPurpose(): Promise<Record<string, { active: number; withdrawn: number }>> {
    const { rows } = await this.pool.query(`SELECT purpose_id, status, count(*)::int AS n FROM consent_register GROUP BY purpose_id, status ORDER BY purpose_id`);
    const counts: Record<string, { active: number; withdrawn: number }> = {};
    for (const row of rows) {
      const entry = (counts[row.purpose_id] ??= { active: 0, withdrawn: 0 });
      entry[row.status as 'active' | 'withdrawn'] = row.n;
    }
    return counts;
  }
}
