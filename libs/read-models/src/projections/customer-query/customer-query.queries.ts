import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { QueryNode, QuerySort } from './customer-query.fields';
import { expressionOf, QuerySql } from './customer-query.sql';

export interface CustomerQueryRequest {
  where?: QueryNode;
  sort: readonly QuerySort[];
  /** The sort keys (as text) and subject id of the last row of the previous page. */
  after?: readonly string[];
  limit: number;
  /** YYYY-MM-DD on the ledger clock: ages and recency are as of this day. */
  today: string;
  /** A scoped caller's reach (assignment-scope.ts); absent: every customer. */
  reach?: { departmentId: string | null; healthManagerId: string | null };
}

/** The values a row can show as columns, by the field that reads them (the caller sees those its roles and purpose may read). */
export interface CustomerFacts {
  age: number | null;
  /** province, city and district show the primary address's division code. */
  divisionCode: string | null;
  lastServiceDate: string | null;
  lastCheckupDate: string | null;
  openComplaints: number;
  lastSurveyScore: number | null;
  orderCount: number;
  orderTotal: number;
  /** rfmRecency … rfmSegment */
  rfm: { recency: number; frequency: number; monetary: number; score: number; segment: string } | null;
}

export interface CustomerQueryRow {
  subjectId: string;
  /** Sort keys as text, for the cursor. */
  sortKey: string[];
  facts: CustomerFacts;
}

/**
 * The combined query's page: `subject_profile` for the file's clear columns, consents and assignment,
 * `customer_query_facts` and its satellites for the rest. Ordered by the sort keys then subject id,
 * keyset-paged, erased files never found.
 */
@Injectable()
export class CustomerQueryQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async page(request: CustomerQueryRequest): Promise<CustomerQueryRow[]> {
    const { text, params } = customerQuerySql(request);
    const { rows } = await this.pool.query(text, params);
    return rows.map((row) => ({
      subjectId: row.subject_id as string,
      sortKey: request.sort.map((_, index) => row[`k${index}`] as string),
      facts: {
        age: row.age as number | null,
        divisionCode: row.division_code as string | null,
        lastServiceDate: row.last_service_date as string | null,
        lastCheckupDate: row.last_checkup_date as string | null,
        openComplaints: row.open_complaints as number,
        lastSurveyScore: row.last_survey_score === null ? null : Number(row.last_survey_score),
        orderCount: row.order_count as number,
        orderTotal: Number(row.order_total_fen),
        rfm:
          row.rfm_recency === null || row.rfm_frequency === null
            ? null
            : { recency: row.rfm_recency, frequency: row.rfm_frequency, monetary: row.rfm_monetary, score: row.rfm_score, segment: row.rfm_segment },
      },
    }));
  }
}

/** The statement of a page (also what bench:query explains). */
export function customerQuerySql(request: CustomerQueryRequest): { text: string; params: unknown[] } {
  const sql = new QuerySql(request.today);
  const where = [`p.status <> 'erased'`];
  if (request.where) where.push(sql.where(request.where));
  if (request.reach)
    where.push(`(p.department_id = ${sql.param(request.reach.departmentId, 'text')} OR p.health_manager_id = ${sql.param(request.reach.healthManagerId, 'text')})`);
  if (request.after) where.push(sql.after(request.sort, request.after));
  const keys = request.sort.map((entry) => sql.sortKey(entry.field));
  const order = [...request.sort.map((entry, index) => `${keys[index].expression} ${entry.dir.toUpperCase()}`), 'p.subject_id ASC'];
  const limit = sql.param(request.limit, 'int');
  const text = `SELECT p.subject_id, ${keys.map((key, index) => `(${key.expression})::text AS k${index}`).join(', ')}${keys.length > 0 ? ',' : ''}
      ${expressionOf('age')} AS age, f.division_code, f.last_service_date::text AS last_service_date, f.last_checkup_date::text AS last_checkup_date,
      ${expressionOf('openComplaints')}::int AS open_complaints, f.last_survey_score, ${expressionOf('orderCount')}::int AS order_count, ${expressionOf('orderTotal')}::float8 AS order_total_fen,
      ${expressionOf('rfmRecency')} AS rfm_recency, f.rfm_frequency::int AS rfm_frequency, f.rfm_monetary::int AS rfm_monetary, ${expressionOf('rfmScore')}::int AS rfm_score, ${expressionOf('rfmSegment')} AS rfm_segment
    FROM subject_profile p
    LEFT JOIN customer_query_facts f ON f.subject_id = p.subject_id
    LEFT JOIN customer_numbers n ON n.subject_id = p.subject_id
    WHERE ${where.join(' AND ')}
    ORDER BY ${order.join(', ')}
    LIMIT ${limit}`;
  return { text, params: sql.params };
}
