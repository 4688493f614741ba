import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';

export interface DisclosureRecord {
  disclosureId: string;
  subjectId: string;
  recipient: { name: string; contact: string };
  purposeId: string;
  categories: string[];
  consentId: string;
  disclosedAt: string;
}

/** Reads of the `disclosure_register` view. */
@Injectable()
export class DisclosureRegisterQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A subject's disclosures, oldest first. */
  async bySubject(subjectId: string): Promise<DisclosureRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT disclosure_id, subject_id, recipient, purpose_id, categories, consent_id, disclosed_at
         FROM disclosure_register WHERE subject_id = $1 ORDER BY disclosed_at, disclosure_id`,
      [subjectId],
    );
    return rows.map((row) => ({
      disclosureId: row.disclosure_id,
      subjectId: row.subject_id,
      recipient: row.recipient,
      purposeId: row.purpose_id,
      categories: row.categories,
      consentId: row.consent_id,
      disclosedAt: (row.disclosed_at as Date).toISOString(),
    }));
  }
}
