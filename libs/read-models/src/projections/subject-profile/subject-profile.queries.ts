import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { JsonValue } from '@pi-ledger/event-store/event-store.port';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { SubjectProfileDocument } from './subject-profile.document';
import { documentOf } from './subject-profile.projection';
import { nameSearchKey } from './subject-profile.row';

export interface ProfileSearch {
  /** Blind indexes (vault.blindIndex) of the values searched for. */
  phoneBidx?: string;
  emailBidx?: string;
  idNumberBidx?: string;
  /** As typed: normalised here like the stored key. */
  namePrefix?: string;
  status?: 'active' | 'restricted';
  /** Keyset pagination: subjects with an id greater than this. */
  after?: string;
  limit: number;
}

/** What a search result needs: enough to decide the legal basis and to show a masked summary. */
export interface ProfileMatch extends Pick<SubjectProfileDocument, 'subjectId' | 'status' | 'updatedAt' | 'consents' | 'restrictions' | 'minor'> {
  categories: Category[];
  name?: JsonValue;
  phone?: JsonValue;
}

/** Reads of the `subject_profile` view. Erased subjects are never found by a search. */
@Injectable()
export class SubjectProfileQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(subjectId: string): Promise<SubjectProfileDocument | undefined> {
    const { rows } = await this.pool.query(
      `SELECT subject_id, version, status, created_at, updated_at, data, consents, restrictions, minor FROM subject_profile WHERE subject_id = $1`,
      [subjectId],
    );
    return rows[0] ? documentOf(rows[0]) : undefined;
  }

  /** The stream version applied for a subject; 0 when the projection has not seen it. */
  async versionOf(subjectId: string): Promise<number> {
    const { rows } = await this.pool.query(`SELECT version FROM subject_profile WHERE subject_id = $1`, [subjectId]);
    return rows[0]?.version ?? 0;
  }

  /** Matches in subject-id order, after `after`, at most `limit`. */
  async search(search: ProfileSearch): Promise<ProfileMatch[]> {
    const where = [`status <> 'erased'`];
    const params: unknown[] = [];
    const add = (condition: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (search.phoneBidx) add((p) => `phone_bidx = ${p}`, search.phoneBidx);
    if (search.emailBidx) add((p) => `email_bidx = ${p}`, search.emailBidx);
    if (search.idNumberBidx) add((p) => `id_number_bidx = ${p}`, search.idNumberBidx);
    if (search.namePrefix !== undefined) add((p) => `name_prefix_key LIKE ${p} ESCAPE '\\'`, `${escapeLike(nameSearchKey(search.namePrefix))}%`);
    if (search.status) add((p) => `status = ${p}`, search.status);
    if (search.after) add((p) => `subject_id > ${p}`, search.after);
    params.push(search.limit);
    const { rows } = await this.pool.query(
      `SELECT subject_id, status, updated_at, consents, restrictions, minor, categories,
              data->'identity'->'name' AS name, data->'contact'->'phone' AS phone
         FROM subject_profile WHERE ${where.join(' AND ')} ORDER BY subject_id LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => ({
      subjectId: row.subject_id,
      status: row.status,
      updatedAt: (row.updated_at as Date).toISOString(),
      consents: row.consents,
      restrictions: row.restrictions,
      minor: row.minor,
      categories: row.categories,
      ...(row.name === null ? {} : { name: row.name }),
      ...(row.phone === null ? {} : { phone: row.phone }),
    }));
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
