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
 * Two aggregate queries per report over the read models (the customer's profile joined to the
 * records), never the event log, run side by side: distinct customers per cell, per margin and in
 * all, each by hashing the distinct (customer, row, column) triples once (one DISTINCT per grouping
 * set of a GROUP BY would sort the whole input four times); and the sums the measures are computed
 * from, by GROUPING SETS. Nothing identifying leaves: keys are dimension values.
 */
@Injectable()
export class ReportQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async table(report: ReportDefinition, request: ReportRequest): Promise<RawTable> {
    const { counts, sums } = reportSql(report, request);
    const [counted, summed] = await Promise.all([this.pool.query(counts.sql, counts.values), sums ? this.pool.query(sums.sql, sums.values) : undefined]);
    return toRawTable(report, request, counted.rows, summed?.rows ?? []);
  }
}

interface Statement {
  sql: string;
  values: unknown[];
}

/** The statements of a report: the counts, and the sums when it has measures. */
export function reportSql(report: ReportDefinition, request: ReportRequest): { counts: Statement; sums: Statement | null } {
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
  const from = `FROM subject_profile p ${report.source ? `JOIN ${report.source.from} ON x.subject_id = p.subject_id` : ''}
            CROSS JOIN LATERAL (SELECT (${rowSql})::text AS r, (${columnSql})::text AS c) d
           WHERE ${where.join(' AND ')}`;
  const hasColumns = request.columns !== null;
  const counts = `WITH base AS MATERIALIZED (SELECT DISTINCT p.subject_id AS s, d.r, d.c ${from})
    ${hasColumns ? `SELECT 0 AS gr, 0 AS gc, r, c, count(*)::int AS n FROM base GROUP BY r, c UNION ALL` : ''}
    SELECT 0 AS gr, 1 AS gc, r, '' AS c, count(*)::int AS n FROM (SELECT DISTINCT s, r FROM base) b GROUP BY r
    ${hasColumns ? `UNION ALL SELECT 1, 0, '', c, count(*)::int FROM (SELECT DISTINCT s, c FROM base) b GROUP BY c` : ''}
    UNION ALL SELECT 1, 1, '', '', count(*)::int FROM (SELECT DISTINCT s FROM base) b`;
  const aggregates = Object.entries(report.sums).map(([key, aggregate]) => `(${aggregate})::float8 AS "s_${key}"`);
  const sums =
    aggregates.length === 0
      ? null
      : `SELECT GROUPING(d.r) AS gr, 1 AS gc, coalesce(d.r, '') AS r, '' AS c, ${aggregates.join(', ')}
           ${from}
           GROUP BY GROUPING SETS ((d.r), ())`;
  return { counts: numbered(counts, named), sums: sums === null ? null : numbered(sums, named) };
}

/** Only the values a statement uses become its parameters: PostgreSQL cannot type one it never sees used. */
function numbered(sql: string, named: Record<string, unknown>): Statement {
  const values: unknown[] = [];
  const numbers = new Map<string, string>();
  const text = sql.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in named)) throw new Error(`a report's SQL names an unknown value {${name}}`);
    if (!numbers.has(name)) numbers.set(name, `$${values.push(named[name])}`);
    return numbers.get(name)!;
  });
  return { sql: text, values };
}

function toRawTable(report: ReportDefinition, request: ReportRequest, counted: Array<Record<string, unknown>>, summed: Array<Record<string, unknown>>): RawTable {
  const keysOf = (dimension: string, found: Iterable<string>) => {
    const fixed = report.dimensions[dimension].keys?.(request.period) ?? [];
    const extra = [...new Set(found)].filter((key) => !fixed.includes(key)).sort();
    return [...fixed, ...extra];
  };
  const at = (rows: Array<Record<string, unknown>>) => new Map(rows.map((row) => [`${row.gr as number}${row.gc as number}\u0000${row.r as string}\u0000${row.c as string}`, row]));
  const counts = at(counted);
  const sums = at(summed);
  const rowKeys = keysOf(
    request.rows,
    counted.filter((row) => row.gr === 0 && row.gc === 1).map((row) => row.r as string),
  );
  const columnKeys =
    request.columns === null
      ? []
      : keysOf(
          request.columns,
          counted.filter((row) => row.gr === 1 && row.gc === 0).map((row) => row.c as string),
        );
  const count = (key: string) => (counts.get(key)?.n as number | undefined) ?? 0;
  const measuresOf = (key: string) => {
    const found = sums.get(key);
    const values = Object.fromEntries(Object.keys(report.sums).map((name) => [name, found ? ((found[`s_${name}`] as number | null) ?? null) : null]));
    return Object.fromEntries(report.measures.map((measure) => [measure.key, found ? measure.value(values) : null]));
  };
  const cellKey = (r: string, c: string) => `00\u0000${r}\u0000${c}`;
  const rowKey = (r: string) => `01\u0000${r}\u0000`;
  const columnKey = (c: string) => `10\u0000\u0000${c}`;
  const grandKey = `11\u0000\u0000`;
  return {
    rowDimension: request.rows,
    columnDimension: request.columns,
    rowKeys,
    columnKeys,
    cells: rowKeys.map((r) => columnKeys.map((c) => count(cellKey(r, c)))),
    rowTotals: rowKeys.map((r) => count(rowKey(r))),
    columnTotals: columnKeys.map((c) => count(columnKey(c))),
    grandTotal: count(grandKey),
    measures: report.measures.map(({ key, unit, hiddenWithCells }) => ({ key, unit, ...(hiddenWithCells ? { hiddenWithCells } : {}) })),
    rowMeasures: rowKeys.map((r) => measuresOf(rowKey(r))),
    totalMeasures: measuresOf(grandKey),
  };
}
