import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { COLLECTION_TYPES, RIGHTS_REQUEST_PREFIX } from './daily-activity.projection';

export interface DayActivity {
  /** YYYY-MM-DD, UTC. */
  day: string;
  /** Data collected, updated, corrected, supplemented or items added. */
  collections: number;
  /** Events of the rights-request workflow. */
  rightsRequests: number;
  /** The same counts per event type (types with none are left out). */
  byType: Record<string, number>;
}

const DAY_MS = 86_400_000;

/** Reads of the `daily_activity` view. */
@Injectable()
export class DailyActivityQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Every day from `from` to `to` (inclusive, YYYY-MM-DD), days without events included. */
  async between(from: string, to: string): Promise<DayActivity[]> {
    const { rows } = await this.pool.query(`SELECT day::text AS day, kind, count::int AS n FROM daily_activity WHERE day BETWEEN $1::date AND $2::date ORDER BY day, kind`, [
      from,
      to,
    ]);
    const days = new Map<string, DayActivity>();
    for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
      const day = new Date(t).toISOString().slice(0, 10);
      days.set(day, { day, collections: 0, rightsRequests: 0, byType: {} });
    }
    for (const row of rows) {
      const entry = days.get(row.day);
      if (!entry) continue;
      entry.byType[row.kind] = row.n;
      if (COLLECTION_TYPES.includes(row.kind)) entry.collections += row.n;
      if (row.kind.startsWith(RIGHTS_REQUEST_PREFIX)) entry.rightsRequests += row.n;
    }
    return [...days.values()];
  }
}
