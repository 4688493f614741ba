import { FieldProblem, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { ReportDefinition } from '@pi-ledger/read-models/projections/reports/report-definitions';
import type { CustomerFilters, ReportFilters, ReportRequest } from '@pi-ledger/read-models/projections/reports/report-queries';
import { chinaDate } from '../subjects/subject-data.dto';

export type ReportFormat = 'json' | 'csv' | 'xlsx';

const DAY_MS = 86_400_000;
/** Ten years: a structure or a trend over the centre's history, and no more months than a chart can show. */
export const MAX_PERIOD_DAYS = 3_653;
const FILTERS: ReadonlyArray<keyof CustomerFilters> = ['department', 'customerType', 'tier', 'region'];
const KNOWN = ['from', 'to', 'rows', 'columns', 'format', ...FILTERS];
const MEDIA: Record<string, ReportFormat> = {
  'text/csv': 'csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/json': 'json',
};

/**
 * A report's query string, checked: the period (dates in China, inclusive; default the 365 days to
 * today on the ledger's clock), the dimensions the report lets the caller choose, the customer
 * filters, the format. Any problem → 400 naming each field; an unknown parameter is one.
 */
export function parseReportQuery(
  report: ReportDefinition,
  query: Record<string, unknown>,
  now: Date,
  accept: string | undefined,
): { request: ReportRequest; format: ReportFormat } {
  const problems: FieldProblem[] = [];
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '' || value.length > 100) {
      problems.push({ path: `query.${name}`, message: 'must be given once, as 1 to 100 characters' });
      return undefined;
    }
    return value;
  };
  const known = new Set([...KNOWN, ...Object.keys(report.recordFilters ?? {})]);
  for (const name of Object.keys(query)) if (!known.has(name)) problems.push({ path: `query.${name}`, message: 'is not a parameter of reports' });

  const today = chinaDate(now);
  const date = (name: 'from' | 'to'): string | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !isRealDate(value)) {
      problems.push({ path: `query.${name}`, message: 'must be a date, YYYY-MM-DD' });
      return undefined;
    }
    return value;
  };
  const to = date('to') ?? today;
  const from = date('from') ?? new Date(Date.parse(to) - 364 * DAY_MS).toISOString().slice(0, 10);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1) problems.push({ path: 'query.from', message: 'must not be after to' });
  else if (days > MAX_PERIOD_DAYS) problems.push({ path: 'query.from', message: `the period may span at most ${MAX_PERIOD_DAYS} days` });

  const choose = (name: 'rows' | 'columns', choice: { choices: readonly string[]; default: string | null } | undefined): string | null => {
    const value = text(name);
    if (value === undefined) return choice?.default ?? null;
    if (name === 'columns' && value === 'none' && choice?.default === null) return null;
    if (!choice || !choice.choices.includes(value)) {
      problems.push({
        path: `query.${name}`,
        message: choice ? `must be one of ${[...choice.choices, ...(choice.default === null ? ['none'] : [])].join(', ')}` : 'this report has no choice of it',
      });
      return choice?.default ?? null;
    }
    return value;
  };
  const rows = choose('rows', report.rows) as string;
  const columns = choose('columns', report.columns);
  if (columns !== null && columns === rows) problems.push({ path: 'query.columns', message: 'must differ from rows' });

  const filters: ReportFilters = {};
  for (const name of [...FILTERS, ...Object.keys(report.recordFilters ?? {})]) {
    const value = text(name);
    if (value !== undefined) filters[name] = value;
  }

  const format = formatOf(text('format'), accept, problems);
  if (problems.length > 0) throw new InvalidInput(problems);
  return { request: { period: { from, to }, today, now: now.toISOString(), rows, columns, filters }, format };
}

/** `?format=` wins; else the Accept header's first media type we make; else JSON. */
function formatOf(wanted: string | undefined, accept: string | undefined, problems: FieldProblem[]): ReportFormat {
  if (wanted !== undefined) {
    if (wanted === 'json' || wanted === 'csv' || wanted === 'xlsx') return wanted;
    problems.push({ path: 'query.format', message: 'must be json, csv or xlsx' });
    return 'json';
  }
  for (const media of (accept ?? '').split(',').map((part) => part.split(';')[0].trim().toLowerCase())) {
    if (MEDIA[media]) return MEDIA[media];
  }
  return 'json';
}

function isRealDate(value: string): boolean {
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}
