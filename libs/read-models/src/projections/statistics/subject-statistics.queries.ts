import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { CATEGORY_NAMES } from '@pi-ledger/ledger-domain/registry/categories';

export const AGE_BANDS = ['under-14', '14-17', '18-29', '30-44', '45-59', '60+'] as const;
export const UNKNOWN = 'unknown';

/** The age band (AGE_BANDS) reached in `year` by someone born in `birthYear` (SQL expressions); NULL without a birth year. */
export function ageBandSql(year: string, birthYear = 'birth_year'): string {
  const age = `${year} - ${birthYear}`;
  return `CASE WHEN ${birthYear} IS NULL THEN NULL WHEN ${age} < 14 THEN 'under-14' WHEN ${age} < 18 THEN '14-17' WHEN ${age} < 30 THEN '18-29'
               WHEN ${age} < 45 THEN '30-44' WHEN ${age} < 60 THEN '45-59' ELSE '60+' END`;
}

export interface SubjectStatistics {
  total: number;
  byStatus: Record<'active' | 'restricted' | 'erased', number>;
  /** Subjects (not erased) holding each category. */
  byCategory: Record<string, number>;
  byGender: Record<string, number>;
  /** By the age reached in `year` (from the birth year). */
  byAgeBand: Record<string, number>;
  byProvince: Record<string, number>;
}

/** Counts over the `subject_profile` view: no PI leaves, only how many. Erased subjects count by status only. */
@Injectable()
export class SubjectStatisticsQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async subjects(year: number): Promise<SubjectStatistics> {
    const [status, categories, dimensions] = await Promise.all([
      this.pool.query(`SELECT status, count(*)::int AS n FROM subject_profile GROUP BY status`),
      this.pool.query(`SELECT category, count(*)::int AS n FROM subject_profile, unnest(categories) AS category WHERE status <> 'erased' GROUP BY category`),
      this.pool.query(
        `SELECT GROUPING(gender) = 0 AS by_gender, GROUPING(province) = 0 AS by_province, gender, province, band, count(*)::int AS n
           FROM (SELECT gender, province,
                        ${ageBandSql('$1')} AS band
                   FROM subject_profile WHERE status <> 'erased') AS s
          GROUP BY GROUPING SETS ((gender), (province), (band))`,
        [year],
      ),
    ]);
    const byStatus = { active: 0, restricted: 0, erased: 0 };
    for (const row of status.rows) byStatus[row.status as keyof typeof byStatus] = row.n;
    const byCategory = Object.fromEntries(CATEGORY_NAMES.map((name) => [name, 0]));
    for (const row of categories.rows) byCategory[row.category] = row.n;
    const byGender: Record<string, number> = {};
    const byProvince: Record<string, number> = {};
    const byAgeBand: Record<string, number> = Object.fromEntries([...AGE_BANDS, UNKNOWN].map((band) => [band, 0]));
    for (const row of dimensions.rows) {
      if (row.by_gender) byGender[row.gender ?? UNKNOWN] = row.n;
      else if (row.by_province) byProvince[row.province ?? UNKNOWN] = row.n;
      else byAgeBand[row.band ?? UNKNOWN] = row.n;
    }
    return { total: byStatus.active + byStatus.restricted + byStatus.erased, byStatus, byCategory, byGender, byAgeBand, byProvince };
  }
}
