import { COMPLAINT_CATEGORIES, COMPLAINT_SEVERITIES } from '@pi-ledger/ledger-domain/complaints/complaint.events';
import { SERVICE_TYPES } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import { LIFECYCLE_STAGES } from '@pi-ledger/ledger-domain/subject/lifecycle';
import { csatAndNps } from '@pi-ledger/ledger-domain/surveys/survey-scores';
import { AGE_BANDS, ageBandSql, UNKNOWN } from '../statistics/subject-statistics.queries';
import { CONDITION_VOCABULARY, NO_LISTED_CONDITION } from './condition-vocabulary';
import type { MeasureUnit } from './report-table';

/**
 * The reports' catalogue: what each counts, from which read model, by what. Every report counts
 * distinct customers whose file is not erased (an erased customer stops counting: its profile is
 * `erased`, and the records projections forget its rows), within a period and the customer filters.
 */
export const CUSTOMER_DIMENSIONS = ['gender', 'ageBand', 'region', 'customerType', 'tier', 'lifecycleStage', 'department'] as const;
export type CustomerDimension = (typeof CUSTOMER_DIMENSIONS)[number];

/** How the query reads a dimension: its SQL (over the profile `p` and the record `x`), and its keys when they form a fixed list. */
interface DimensionSql {
  sql: string;
  /** Every key in order (a zero shows as a zero); absent: the keys present, sorted. */
  keys?: (period: Period) => readonly string[];
}

export interface Period {
  from: string;
  to: string;
}

/** The profile's generalised attributes, as dimensions; the age is reached in the period's last year. */
const CUSTOMER_SQL: Record<CustomerDimension, DimensionSql> = {
  gender: { sql: `coalesce(p.gender, '${UNKNOWN}')` },
  ageBand: { sql: `coalesce(${ageBandSql('{year}::int', 'p.birth_year')}, '${UNKNOWN}')`, keys: () => [...AGE_BANDS, UNKNOWN] },
  region: { sql: `coalesce(p.province, '${UNKNOWN}')` },
  customerType: { sql: `coalesce(p.customer_type, '${UNKNOWN}')` },
  tier: { sql: `coalesce(p.tier, '${UNKNOWN}')` },
  lifecycleStage: { sql: `p.lifecycle_stage`, keys: () => LIFECYCLE_STAGES },
  department: { sql: `coalesce(p.department_id, '${UNKNOWN}')` },
};

const month = (column: string): DimensionSql => ({ sql: `to_char(${column}, 'YYYY-MM')`, keys: monthsOf });

export interface MeasureDefinition {
  key: string;
  unit: MeasureUnit;
  /** Computed from the row's cells too (a rate of one column): hidden when any of them is. */
  hiddenWithCells?: boolean;
  /** From the row's sums and `customers` (its distinct customers), and the report's total ones (a share of all). */
  value: (sums: Record<string, number | null>, totals: Record<string, number | null>) => number | null;
}

export interface ReportDefinition {
  name: string;
  /** Which read models feed it (for X-Ledger-Min-Position). */
  readModels: readonly string[];
  /** Choosable dimensions: `rows`, `columns` (absent: fixed or none) with their default. */
  rows: { choices: readonly string[]; default: string };
  columns?: { choices: readonly string[]; default: string | null };
  /**
   * The records joined to the customer (`x`), and the condition that puts them in the period; SQL
   * names its values {from}, {to} (dates in China), {year} (of `to`), {today}, {now}, and
   * {termKeys}, {termTokens} (the condition vocabulary and its keyed tokens). `outer`: a customer
   * without records counts too (x's columns null); `rowList`: at most one record per customer, whose row dimension is a list of keys (each once), the customer counted in each.
   */
  source: { from: string; inPeriod: string; outer?: boolean; rowList?: boolean } | null;
  /** `conditions`: the report matches the condition vocabulary's keyed tokens ({termKeys}, {termTokens}). */
  terms?: 'conditions';
  /** Filters of this report's own, on the records: query name → SQL column of `x` (an exact value, upper case when `upper`). */
  recordFilters?: Record<string, { sql: string; upper?: boolean }>;
  dimensions: Record<string, DimensionSql>;
  /** SQL aggregates over the record rows, read by the measures. */
  sums: Record<string, string>;
  measures: readonly MeasureDefinition[];
}

const china = (column: string) => `(${column} AT TIME ZONE 'Asia/Shanghai')::date`;
const ratio = (part: number | null, whole: number | null, scale = 100) => (part === null || !whole ? null : Math.round((scale * 10 * part) / whole) / 10);
const value = (key: string) => (sums: Record<string, number | null>) => sums[key] ?? 0;
const CHOOSE_CUSTOMER = { choices: CUSTOMER_DIMENSIONS };

export const REPORTS: readonly ReportDefinition[] = [
  {
    name: 'customer-structure',
    readModels: ['subject_profile'],
    rows: { ...CHOOSE_CUSTOMER, default: 'ageBand' },
    columns: { ...CHOOSE_CUSTOMER, default: 'gender' },
    source: null,
    dimensions: CUSTOMER_SQL,
    sums: {},
    measures: [],
  },
  {
    name: 'lifecycle-funnel',
    readModels: ['subject_profile'],
    rows: { choices: ['lifecycleStage'], default: 'lifecycleStage' },
    columns: { ...CHOOSE_CUSTOMER, default: null },
    source: null,
    dimensions: CUSTOMER_SQL,
    sums: {},
    measures: [],
  },
  {
    name: 'orders',
    readModels: ['subject_profile', 'orders'],
    rows: { choices: ['month', 'tier', 'customerType', 'region'], default: 'month' },
    source: { from: `orders x`, inPeriod: `x.order_date BETWEEN {from}::date AND {to}::date AND x.status <> 'cancelled'` },
    dimensions: { ...CUSTOMER_SQL, month: month('x.order_date') },
    sums: {
      orders: `count(*)`,
      paid_fen: `sum(x.amount_fen - x.refunded_fen) FILTER (WHERE x.status IN ('paid', 'partially_refunded', 'refunded'))`,
    },
    measures: [
      { key: 'orders', unit: 'count', value: value('orders') },
      { key: 'netAmount', unit: 'yuan', value: (sums) => (sums.paid_fen ?? 0) / 100 },
    ],
  },
  {
    name: 'order-items',
    readModels: ['subject_profile', 'orders', 'report_facts'],
    rows: { choices: ['item', 'kind'], default: 'item' },
    source: { from: `(report_order_items x JOIN orders o ON o.order_id = x.order_id)`, inPeriod: `x.order_date BETWEEN {from}::date AND {to}::date AND o.status <> 'cancelled'` },
    dimensions: { item: { sql: `x.kind || ':' || x.code` }, kind: { sql: `x.kind` } },
    sums: { orders: `count(DISTINCT x.order_id)`, quantity: `sum(x.quantity)`, amount_fen: `sum(x.amount_fen)` },
    measures: [
      { key: 'orders', unit: 'count', value: value('orders') },
      { key: 'quantity', unit: 'count', value: value('quantity') },
      { key: 'amount', unit: 'yuan', value: (sums) => (sums.amount_fen ?? 0) / 100 },
    ],
  },
  {
    // the customers on file at the period's end (registered by then, not erased), by the conditions their health file records now
    name: 'condition-prevalence',
    readModels: ['subject_profile', 'customer_query'],
    rows: { choices: ['condition'], default: 'condition' },
    columns: { ...CHOOSE_CUSTOMER, default: null },
    terms: 'conditions',
    source: {
      // each condition once with all its terms' tokens, so a customer matches it once (overlap, by the tokens' GIN index)
      from: `(SELECT f.subject_id, array_agg(t.key) AS keys
                FROM (SELECT key, array_agg(token) AS tokens FROM unnest({termKeys}::text[], {termTokens}::text[]) AS u(key, token) GROUP BY key) t
                JOIN customer_query_facts f ON f.condition_tokens && t.tokens
               GROUP BY f.subject_id) x`,
      inPeriod: `(p.created_at AT TIME ZONE 'Asia/Shanghai')::date <= {to}::date`,
      outer: true,
      rowList: true,
    },
    dimensions: {
      ...CUSTOMER_SQL,
      condition: { sql: `coalesce(x.keys, ARRAY['${NO_LISTED_CONDITION}'])`, keys: () => [...CONDITION_VOCABULARY.map(({ key }) => key), NO_LISTED_CONDITION] },
    },
    sums: {},
    measures: [{ key: 'prevalence', unit: 'percent', value: (s, total) => ratio(s.customers, total.customers) }],
  },
  {
    name: 'abnormal-indicators',
    readModels: ['subject_profile', 'report_facts'],
    rows: { choices: ['indicator', 'month'], default: 'indicator' },
    columns: { choices: ['result'], default: 'result' },
    source: { from: `report_checkup_results x`, inPeriod: `x.visit_date BETWEEN {from}::date AND {to}::date` },
    recordFilters: { indicator: { sql: 'x.code', upper: true } },
    dimensions: {
      indicator: { sql: `x.code` },
      month: month('x.visit_date'),
      result: { sql: `CASE WHEN x.abnormal THEN 'abnormal' WHEN NOT x.abnormal THEN 'normal' ELSE '${UNKNOWN}' END`, keys: () => ['abnormal', 'normal', UNKNOWN] },
    },
    sums: {
      abnormal: `count(DISTINCT p.subject_id) FILTER (WHERE x.abnormal)`,
      results: `count(*)`,
      checkups: `count(DISTINCT x.visit_id)`,
      abnormal_checkups: `count(DISTINCT x.visit_id) FILTER (WHERE x.abnormal)`,
    },
    measures: [
      { key: 'results', unit: 'count', value: value('results') },
      { key: 'abnormalRate', unit: 'percent', hiddenWithCells: true, value: (s) => ratio(s.abnormal, s.customers) },
      { key: 'checkups', unit: 'count', value: value('checkups') },
      // the share of the check-ups (of the row's indicator, or in the row's month) that found it, or any, abnormal
      { key: 'abnormalCheckupRate', unit: 'percent', hiddenWithCells: true, value: (s) => ratio(s.abnormal_checkups, s.checkups) },
    ],
  },
  {
    name: 'services',
    readModels: ['subject_profile', 'service_records'],
    rows: { choices: ['staff', 'serviceType', 'month'], default: 'staff' },
    columns: { choices: ['serviceType'], default: 'serviceType' },
    source: { from: `service_records x`, inPeriod: `x.service_date BETWEEN {from}::date AND {to}::date` },
    dimensions: { staff: { sql: `x.staff_id` }, serviceType: { sql: `x.service_type`, keys: () => SERVICE_TYPES }, month: month('x.service_date') },
    sums: { services: `count(*)` },
    measures: [{ key: 'services', unit: 'count', value: value('services') }],
  },
  {
    name: 'follow-ups',
    readModels: ['subject_profile', 'follow_up_tasks'],
    rows: { choices: ['assignee', 'department', 'channel', 'month'], default: 'assignee' },
    // {today}: the ledger's date in China, what "overdue" is judged against
    source: { from: `follow_up_tasks x`, inPeriod: `x.due_date BETWEEN {from}::date AND {to}::date` },
    dimensions: { assignee: { sql: `x.assignee` }, department: { sql: `coalesce(x.department, '${UNKNOWN}')` }, channel: { sql: `x.channel` }, month: month('x.due_date') },
    sums: {
      tasks: `count(*)`,
      done: `count(*) FILTER (WHERE x.status = 'done')`,
      cancelled: `count(*) FILTER (WHERE x.status = 'cancelled')`,
      overdue: `count(*) FILTER (WHERE (x.status = 'open' AND x.due_date < {today}::date) OR (x.status = 'done' AND ${china('x.closed_at')} > x.due_date))`,
    },
    measures: [
      { key: 'tasks', unit: 'count', value: value('tasks') },
      { key: 'completed', unit: 'count', value: value('done') },
      { key: 'overdue', unit: 'count', value: value('overdue') },
      { key: 'completionRate', unit: 'percent', value: (s) => ratio(s.done, (s.tasks ?? 0) - (s.cancelled ?? 0)) },
      { key: 'overdueRate', unit: 'percent', value: (s) => ratio(s.overdue, (s.tasks ?? 0) - (s.cancelled ?? 0)) },
    ],
  },
  {
    name: 'complaints',
    readModels: ['subject_profile', 'complaints'],
    rows: { choices: ['category', 'month', 'department'], default: 'category' },
    columns: { choices: ['severity'], default: 'severity' },
    source: { from: `complaints x`, inPeriod: `${china('x.received_at')} BETWEEN {from}::date AND {to}::date` },
    dimensions: {
      category: { sql: `x.category`, keys: () => COMPLAINT_CATEGORIES },
      severity: { sql: `x.severity`, keys: () => COMPLAINT_SEVERITIES },
      month: month(china('x.received_at')),
      department: { sql: `coalesce(x.department, '${UNKNOWN}')` },
    },
    sums: {
      complaints: `count(*)`,
      closed: `count(*) FILTER (WHERE x.status = 'closed')`,
      resolution_hours: `avg(extract(epoch FROM x.closed_at - x.received_at) / 3600) FILTER (WHERE x.status = 'closed')`,
      reply_breaches: `count(*) FILTER (WHERE coalesce(x.replied_at, {now}::timestamptz) > x.reply_due_at)`,
      resolution_breaches: `count(*) FILTER (WHERE coalesce(x.closed_at, {now}::timestamptz) > x.resolution_due_at)`,
    },
    measures: [
      { key: 'complaints', unit: 'count', value: value('complaints') },
      { key: 'closed', unit: 'count', value: value('closed') },
      {
        key: 'meanResolutionHours',
        unit: 'hours',
        value: (s) => (s.resolution_hours === null || s.resolution_hours === undefined ? null : Math.round(s.resolution_hours * 10) / 10),
      },
      { key: 'replyDeadlineBreaches', unit: 'count', value: value('reply_breaches') },
      { key: 'resolutionDeadlineBreaches', unit: 'count', value: value('resolution_breaches') },
    ],
  },
  {
    name: 'satisfaction',
    readModels: ['subject_profile', 'survey_responses'],
    rows: { choices: ['serviceType', 'staff', 'month'], default: 'serviceType' },
    source: { from: `survey_responses x`, inPeriod: `x.status = 'answered' AND x.service_date BETWEEN {from}::date AND {to}::date` },
    dimensions: { serviceType: { sql: `x.service_type`, keys: () => SERVICE_TYPES }, staff: { sql: `x.staff_id` }, month: month('x.service_date') },
    sums: {
      responses: `count(*)`,
      scale_answers: `sum(x.scale_answers)`,
      satisfied: `sum(x.satisfied)`,
      nps_answers: `sum(x.nps_answers)`,
      promoters: `sum(x.promoters)`,
      detractors: `sum(x.detractors)`,
    },
    measures: [
      { key: 'responses', unit: 'count', value: value('responses') },
      { key: 'csat', unit: 'percent', value: (s) => csatAndNps(scoreCounts(s)).csat },
      { key: 'nps', unit: 'count', value: (s) => csatAndNps(scoreCounts(s)).nps },
    ],
  },
];

function scoreCounts(sums: Record<string, number | null>) {
  return {
    scaleAnswers: sums.scale_answers ?? 0,
    satisfied: sums.satisfied ?? 0,
    npsAnswers: sums.nps_answers ?? 0,
    promoters: sums.promoters ?? 0,
    detractors: sums.detractors ?? 0,
  };
}

/** Every month (YYYY-MM) the period touches. */
export function monthsOf(period: Period): string[] {
  const months: string[] = [];
  let [year, monthIndex] = period.from.split('-').map(Number);
  const [lastYear, lastMonth] = period.to.split('-').map(Number);
  while (year < lastYear || (year === lastYear && monthIndex <= lastMonth)) {
    months.push(`${year}-${String(monthIndex).padStart(2, '0')}`);
    monthIndex += 1;
    if (monthIndex > 12) [year, monthIndex] = [year + 1, 1];
  }
  return months;
}

export function reportNamed(name: string): ReportDefinition | undefined {
  return REPORTS.find((report) => report.name === name);
}
