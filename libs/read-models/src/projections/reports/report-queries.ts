import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { Period, ReportDefinition } from './report-definitions';
import type { RawTable } from './report-table';

/** The customer filters a report takes: each an exact value of the profile's generalised attributes. */
export interface CustomerFilters {
  department?: string;
  customerType?: string;
  tier?: string;
  region?: string;
}

export interface ReportRequest {
  period: Period;
  /** The ledger's date (China) and time: what overdue and breached deadlines are judged against. */
  today: string;
  now: string;
  rows: string;
  columns: string | null;
  filters: CustomerFilters;
}

const FILTER_COLUMNS: Record<keyof CustomerFilters, string> = { department: 'p.department_id', customerType: 'p.customer_type', tier: 'p.tier', region: 'p.province' };

/**
 * One aggregate query per report over the read models (the customer's profile joined to the
 * records), never the event log: distinct customers per cell and per margin (GROUPING SETS), and the
 * sums the measures are computed from. Nothing identifying leaves: keys are dimension values.
 */
@Injectable()
export class ReportQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async table(report: ReportDefinition, request: ReportRequest): Promise<RawTable> {
    const { sql, values } = reportSql(report, request);
    const { rows } = await this.pool.query(sql, values);
    return toRawTable(report, request, rows);
  }
}

export function reportSql(report: ReportDefinition, request: ReportRequest): { sql: string; values: unknown[] } {
  const named: Record<string, unknown> = { from: request.period.from, to: request.period.to, year: Number(request.period.to.slice(0, 4)), today: request.today, now: request.now };
  const where = [`p.status <> 'erased'`];
  for (const [name, column] of Object.entries(FILTER_COLUMNS) as Array<[keyof CustomerFilters, string]>) {
    if (request.filters[name] === undefined) continue;
    named[name] = request.filters[name];
    where.push(`${column} = {${name}}`);
  }
  where.push(report.source ? report.source.inPeriod : `(p.created_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN {from}::date AND {to}::date`);
  const rowSql = report.dimensions[request.rows].sql;
  const columnSql = request.columns === null ? `''` : report.dimensions[request.columns].sql;
  const sums = Object.entries(report.sums).map(([key, aggregate]) => `, (${aggregate})::float8 AS "s_${key}"`);
  const sets = request.columns === null ? `(d.r), ()` : `(d.r, d.c), (d.r), (d.c), ()`;
  const sql = `SELECT GROUPING(d.r) AS gr, ${request.columns === null ? '1' : 'GROUPING(d.c)'} AS gc, d.r, ${request.columns === null ? `''` : 'd.c'} AS c, count(DISTINCT p.subject_id)::int AS n${sums.join('')}
            FROM subject_profile p ${report.source ? `JOIN ${report.source.from} ON x.subject_id = p.subject_id` : ''}
            CROSS JOIN LATERAL (SELECT (${rowSql})::text AS r, (${columnSql})::text AS c) d
           WHERE ${where.join(' AND ')}
           GROUP BY GROUPING SETS (${sets})`;
  // only the values the query uses become parameters: PostgreSQL cannot type one it never sees used
  const values: unknown[] = [];
  const numbered = new Map<string, string>();
  const text = sql.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in named)) throw new Error(`a report's SQL names an unknown value {${name}}`);
    if (!numbered.has(name)) numbered.set(name, `$${values.push(named[name])}`);
    return numbered.get(name)!;
  });
  return { sql: text, values };
}

function toRawTable(report: ReportDefinition, request: ReportRequest, rows: Array<Record<string, unknown>>): RawTable {
  const keysOf = (dimension: string, found: Iterable<string>) => {
    const fixed = report.dimensions[dimension].keys?.(request.period) ?? [];
    const extra = [...new Set(found)].filter((key) => !fixed.includes(key)).sort();
    return [...fixed, ...extra];
  };
  const body = rows.filter((row) => row.gr === 0 && row.gc === 0);
  const byRow = rows.filter((row) => row.gr === 0 && row.gc === 1);
  const byColumn = rows.filter((row) => row.gr === 1 && row.gc === 0);
  const grand = rows.find((row) => row.gr === 1 && row.gc === 1);
  const rowKeys = keysOf(
    request.rows,
    byRow.map((row) => row.r as string),
  );
  const columnKeys =
    request.columns === null
      ? []
      : keysOf(
          request.columns,
          byColumn.map((row) => row.c as string),
        );
  const bodyAt = new Map(body.map((row) => [`${row.r as string}\u0000${row.c as string}`, row]));
  const count = (found: Record<string, unknown> | undefined) => (found ? (found.n as number) : 0);
  const measuresOf = (found: Record<string, unknown> | undefined) => {
    const sums = Object.fromEntries(Object.keys(report.sums).map((key) => [key, found ? ((found[`s_${key}`] as number | null) ?? null) : null]));
    return Object.fromEntries(report.measures.map((measure) => [measure.key, found ? measure.value(sums) : null]));
  };
  return {
    rowDimension: request.rows,
    columnDimension: request.columns,
    rowKeys,
    columnKeys,
    cells: rowKeys.map((r) => columnKeys.map((c) => count(bodyAt.get(`${r}\u0000${c}`)))),
    rowTotals: rowKeys.map((r) => count(byRow.find((row) => row.r === r))),
    columnTotals: columnKeys.map((c) => count(byColumn.find((row) => row.c === c))),
    grandTotal: count(grand),
    measures: report.measures.map(({ key, unit, hiddenWithCells }) => ({ key, unit, ...(hiddenWithCells ? { hiddenWithCells } : {}) })),
    rowMeasures: rowKeys.map((r) => measuresOf(byRow.find((row) => row.r === r))),
    totalMeasures: measuresOf(grand),
  };
}
