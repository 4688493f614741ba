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

/** A report's filters: the customer filters, and those of the report's own (`recordFilters`, as an indicator code). */
export type ReportFilters = CustomerFilters & Record<string, string>;

export interface ReportRequest {
  period: Period;
  /** The ledger's date (China) and time: what overdue and breached deadlines are judged against. */
  today: string;
  now: string;
  rows: string;
  columns: string | null;
  filters: ReportFilters;
  /** The condition vocabulary's keys and the keyed tokens of its terms (condition-vocabulary.ts), for a report that counts conditions. */
  terms?: { keys: string[]; tokens: string[] };
}

const FILTER_COLUMNS: Record<keyof CustomerFilters, string> = { department: 'p.department_id', customerType: 'p.customer_type', tier: 'p.tier', region: 'p.province' };

/**
 * One aggregate statement per report over the read models (the customer's profile joined to the
 * records), never the event log. The join is made once, into `base` (one row per record: the
 * customer, its row and column keys, and only the record columns the measures read); from it,
 * distinct customers per cell, per margin and in all, and the sums the measures are computed from.
 * When the report has no records (one row per customer) the counts are a single GROUPING SETS pass,
 * with no DISTINCT at all. Nothing identifying leaves: keys are dimension values.
 */
@Injectable()
export class ReportQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async table(report: ReportDefinition, request: ReportRequest): Promise<RawTable> {
    const { sql, values } = reportSql(report, request);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      // the distinct (customer, row, column) triples of a year of records are hashed in memory, not spilled to disk in batches
      await client.query(`SET LOCAL work_mem = '${REPORT_WORK_MEM}'`);
      const { rows } = await client.query<Record<string, unknown>>(sql, values);
      await client.query('COMMIT');
      return toRawTable(
        report,
        request,
        rows.filter((row) => row.k === 'n'),
        rows.filter((row) => row.k === 's'),
      );
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

export const REPORT_WORK_MEM = '64MB';

interface Statement {
  sql: string;
  values: unknown[];
}

/** The record columns (`x.<name>`) an SQL text reads. */
function recordColumns(sql: string): string[] {
  return [...new Set([...sql.matchAll(/\bx\.(\w+)/g)].map((match) => match[1]))].sort();
}

/** The report's statement: rows `k = 'n'` (distinct customers, `n`) and `k = 's'` (the measures' sums, `s_<key>`), keyed by grouping flags and keys. */
export function reportSql(report: ReportDefinition, request: ReportRequest): Statement {
  const named: Record<string, unknown> = {
    from: request.period.from,
    to: request.period.to,
    year: Number(request.period.to.slice(0, 4)),
    today: request.today,
    now: request.now,
    termKeys: request.terms?.keys ?? [],
    termTokens: request.terms?.tokens ?? [],
  };
  const where: string[] = [];
  for (const [name, column] of Object.entries(FILTER_COLUMNS) as Array<[keyof CustomerFilters, string]>) {
    if (request.filters[name] === undefined) continue;
    named[name] = request.filters[name];
    where.push(`${column} = {${name}}`);
  }
  for (const [name, filter] of Object.entries(report.recordFilters ?? {})) {
    const given = request.filters[name];
    if (given === undefined) continue;
    named[name] = filter.upper ? given.toUpperCase() : given;
    where.push(`${filter.sql} = {${name}}`);
  }
  where.push(report.source ? report.source.inPeriod : `(p.created_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN {from}::date AND {to}::date`);
  const rowSql = report.dimensions[request.rows].sql;
  const columnSql = request.columns === null ? `''` : report.dimensions[request.columns].sql;
  const hasColumns = request.columns !== null;
  // the sums read the base's copy of the record (`x.<column>`) and of the customer (`x.s`)
  const sums = Object.entries(report.sums).map(([key, aggregate]) => [key, aggregate.replace(/\bp\.subject_id\b/g, 'x.s')] as const);
  for (const [key, aggregate] of sums) if (/\bp\./.test(aggregate)) throw new Error(`the sum ${key} of report ${report.name} reads the profile beyond its subject_id`);
  const carried = report.source ? recordColumns(sums.map(([, aggregate]) => aggregate).join(' ')).filter((column) => column !== 's') : [];
  // records read by record dimensions only need no profile but its erased customers, few, whose records do not count
  const profiled = !report.source || report.source.outer === true || where.some((condition) => /\bp\./.test(condition)) || /\bp\./.test(`${rowSql} ${columnSql}`);
  const rowList = report.source?.rowList === true;
  if (rowList && (sums.length > 0 || !profiled)) throw new Error(`report ${report.name}: a list of rows per customer is counted from the customers, with no sums`);
  const select = `(${rowSql})::text${rowList ? '[]' : ''} AS r, (${columnSql})::text AS c${carried.map((column) => `, x.${column}`).join('')}`;
  const base = profiled
    ? `base AS MATERIALIZED (
      SELECT p.subject_id AS s, ${select}
        FROM subject_profile p ${report.source ? `${report.source.outer ? 'LEFT JOIN' : 'JOIN'} ${report.source.from} ON x.subject_id = p.subject_id` : ''}
       WHERE ${[`p.status <> 'erased'`, ...where].join(' AND ')})`
    : `base AS MATERIALIZED (
      SELECT x.subject_id AS s, ${select}
        FROM ${report.source!.from}
       WHERE NOT EXISTS (SELECT FROM subject_profile e WHERE e.subject_id = x.subject_id AND e.status = 'erased') AND ${where.join(' AND ')})`;
  const nullSums = sums.map(([key]) => `, NULL::float8 AS "s_${key}"`).join('');
  // one row per customer: every grouping set counts rows, in one pass
  const perCustomer = `SELECT 'n' AS k, GROUPING(r)::int AS gr, ${hasColumns ? 'GROUPING(c)::int' : '1'} AS gc, coalesce(r, '') AS r, ${hasColumns ? `coalesce(c, '')` : `''`} AS c, count(*)::int AS n${nullSums}
      FROM base GROUP BY GROUPING SETS (${hasColumns ? '(r, c), (r), (c), ()' : '(r), ()'})`;
  // records: distinct customers per cell from the distinct triples, per margin and in all from their projections
  const counted = (gr: number, gc: number, r: string, c: string, from: string) =>
    `SELECT 'n' AS k, ${gr} AS gr, ${gc} AS gc, ${r} AS r, ${c} AS c, count(*)::int AS n${nullSums} ${from}`;
  const perRecord = [
    ...(hasColumns ? [counted(0, 0, 'r', 'c', 'FROM cells GROUP BY r, c')] : []),
    counted(0, 1, 'r', `''`, 'FROM (SELECT DISTINCT s, r FROM cells) b GROUP BY r'),
    ...(hasColumns ? [counted(1, 0, `''`, 'c', 'FROM (SELECT DISTINCT s, c FROM cells) b GROUP BY c')] : []),
    counted(1, 1, `''`, `''`, 'FROM (SELECT DISTINCT s FROM cells) b'),
  ].join(' UNION ALL ');
  const summed =
    sums.length === 0
      ? ''
      : `UNION ALL SELECT 's', GROUPING(x.r)::int, 1, coalesce(x.r, ''), '', NULL::int, ${sums.map(([, aggregate]) => `(${aggregate})::float8`).join(', ')}
           FROM base x GROUP BY GROUPING SETS ((x.r), ())`;
  // one row per customer with its list of row keys, each key once (condition-prevalence): cells and rows count the listed keys, margins the customers, no DISTINCT
  const perCustomerList = [
    ...(hasColumns ? [counted(0, 0, 'r', 'c', 'FROM listed GROUP BY r, c')] : []),
    counted(0, 1, 'r', `''`, 'FROM listed GROUP BY r'),
    hasColumns ? `SELECT 'n', 1, GROUPING(c)::int, '', coalesce(c, ''), count(*)::int FROM base GROUP BY GROUPING SETS ((c), ())` : counted(1, 1, `''`, `''`, 'FROM base'),
  ].join(' UNION ALL ');
  const sql = rowList
    ? `WITH ${base}, listed AS MATERIALIZED (SELECT l.r, base.c FROM base CROSS JOIN unnest(base.r) AS l(r)) ${perCustomerList}`
    : report.source
      ? `WITH ${base}, cells AS MATERIALIZED (SELECT DISTINCT s, r, c FROM base) ${perRecord} ${summed}`
      : `WITH ${base} ${perCustomer} ${summed}`;
  return numbered(sql, named);
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
  // a measure reads the sums, and `customers`: the distinct customers counted for the row (or in all)
  const valuesAt = (key: string): Record<string, number | null> | null => {
    const found = sums.get(key);
    if (!found && Object.keys(report.sums).length > 0) return null;
    return { ...Object.fromEntries(Object.keys(report.sums).map((name) => [name, (found?.[`s_${name}`] as number | null) ?? null])), customers: count(key) };
  };
  const totals = valuesAt('11\u0000\u0000') ?? {};
  const measuresOf = (key: string) => {
    const values = valuesAt(key);
    return Object.fromEntries(report.measures.map((measure) => [measure.key, values ? measure.value(values, totals) : null]));
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
