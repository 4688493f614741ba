import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';

/**
 * One kind of a customer's timeline as SQL over its read model: the rows of subject `$1`, each with
 * `date` (a date), `id` (text, time-ordered: a UUIDv7) and `row` (jsonb: what the kind's summary is
 * made from). A plain SELECT … WHERE subject_id = $1, so the keyset condition reaches its index.
 */
export interface TimelineSelect {
  kind: string;
  sql: string;
}

export interface TimelineRow {
  kind: string;
  date: string;
  id: string;
  row: Record<string, unknown>;
}

const KIND = /^[a-z][a-z_]{0,39}$/;

/** A customer's records of several kinds in one list, newest first, read from their read models (never the log). */
@Injectable()
export class TimelineQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Up to `limit` entries before the keyset `(date, id)`, by date then id, newest first: each kind
   * takes its own newest `limit` (its index), and the union keeps the newest of those.
   */
  async page(subjectId: string, kinds: readonly TimelineSelect[], before: [string, string] | undefined, limit: number): Promise<TimelineRow[]> {
    if (kinds.length === 0) return [];
    const branch = ({ kind, sql }: TimelineSelect) => {
      if (!KIND.test(kind)) throw new TypeError(`not a timeline kind: ${kind}`);
      return `(SELECT '${kind}'::text AS kind, e.date::text AS date, e.id, e.row FROM (${sql}) e
        WHERE $2::date IS NULL OR (e.date, e.id) < ($2::date, $3::text) ORDER BY e.date DESC, e.id DESC LIMIT $4)`;
    };
    const { rows } = await this.pool.query<TimelineRow>(`SELECT * FROM (${kinds.map(branch).join(' UNION ALL ')}) entries ORDER BY date DESC, id DESC LIMIT $4`, [
      subjectId,
      before?.[0] ?? null,
      before?.[1] ?? null,
      limit,
    ]);
    return rows;
  }
}
