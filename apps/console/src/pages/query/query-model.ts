/**
 * The combined query's builder state and its translation to and from the API's body (POST /v1/subjects/query,
 * docs/api.md "Combined customer query"): one level of conditions joined by all-of or any-of, each row
 * optionally negated. Nothing here is sent anywhere but in a request body.
 */

export type QueryOp = 'eq' | 'in' | 'range' | 'prefix' | 'contains' | 'exists';

/** One field of GET /v1/subjects/query/fields. */
export interface QueryField {
  name: string;
  category: string | null;
  type: string;
  ops: QueryOp[];
  sortable: boolean;
  period?: boolean;
  values?: string[];
  min?: number;
  max?: number;
  description?: string;
}

export interface Range {
  from?: string | number;
  to?: string | number;
}

export interface ConditionRow {
  key: number;
  field?: string;
  op?: QueryOp;
  value?: unknown;
  not: boolean;
  period?: { from?: string; to?: string };
}

export type Junction = 'and' | 'or';

export interface SortChoice {
  field: string;
  dir: 'asc' | 'desc';
}

export interface Condition {
  field: string;
  op: QueryOp;
  value: unknown;
  period?: { from?: string; to?: string };
}

export type WhereNode = { and: WhereNode[] } | { or: WhereNode[] } | { not: WhereNode } | Condition;

/** What POST /v1/saved-queries stores and POST /v1/subjects/query runs. */
export interface QueryDefinition {
  where?: WhereNode;
  sort?: SortChoice[];
  columns?: string[];
}

export interface SavedQuery {
  queryId: string;
  name: string;
  departmentId: string;
  definition: QueryDefinition;
  createdBy: string;
  createdAt: string;
}

export interface CustomerFacts {
  age?: number | null;
  divisionCode?: string | null;
  lastServiceDate?: string | null;
  lastCheckupDate?: string | null;
  openComplaints?: number;
  lastSurveyScore?: number | null;
  orderCount?: number;
  orderTotal?: number;
  rfm?: { recency: number; frequency: number; monetary: number; score: number; segment: string } | null;
}

export interface QueriedCustomer {
  subjectId: string;
  customerNumber?: string | null;
  name?: string;
  phone?: string;
  status: string;
  tier?: string;
  customerType?: string;
  facts: CustomerFacts;
}

/** Amounts are typed in yuan and sent in fen, the API's unit. */
const FEN_FIELDS = new Set(['orderTotal']);
const toApi = (field: string, value: unknown) => (FEN_FIELDS.has(field) && typeof value === 'number' ? Math.round(value * 100) : value);
const fromApi = (field: string, value: unknown) => (FEN_FIELDS.has(field) && typeof value === 'number' ? value / 100 : value);

/** Whether a row has all it needs to be sent. */
export function complete(row: ConditionRow): boolean {
  if (!row.field || !row.op) return false;
  const { value } = row;
  if (row.op === 'in') return Array.isArray(value) && value.length > 0;
  if (row.op === 'range') {
    const range = (value ?? {}) as Range;
    return range.from !== undefined || range.to !== undefined;
  }
  if (row.op === 'exists') return typeof value === 'boolean';
  return value !== undefined && value !== null && value !== '';
}

function conditionOf(row: ConditionRow): WhereNode {
  const field = row.field!;
  const value =
    row.op === 'in'
      ? (row.value as unknown[]).map((item) => toApi(field, item))
      : row.op === 'range'
        ? Object.fromEntries(Object.entries(row.value as Range).flatMap(([end, bound]) => (bound === undefined || bound === '' ? [] : [[end, toApi(field, bound)]])))
        : toApi(field, typeof row.value === 'string' ? row.value.trim() : row.value);
  const period = row.period && Object.fromEntries(Object.entries(row.period).filter(([, date]) => date));
  const condition: Condition = { field, op: row.op!, value, ...(period && Object.keys(period).length > 0 ? { period } : {}) };
  return row.not ? { not: condition } : condition;
}

/** The body's `where` (always one junction, so that a refusal's path names the row by its index), or undefined for no conditions. */
export function whereOf(rows: readonly ConditionRow[], junction: Junction): WhereNode | undefined {
  if (rows.length === 0) return undefined;
  return { [junction]: rows.map(conditionOf) } as WhereNode;
}

let nextKey = 1;
export const newRow = (): ConditionRow => ({ key: nextKey++, not: false });

function rowOf(node: WhereNode): ConditionRow | undefined {
  const negated = 'not' in node;
  const inner = negated ? node.not : node;
  if (!('field' in inner)) return undefined;
  const value =
    inner.op === 'in' && Array.isArray(inner.value)
      ? inner.value.map((item) => fromApi(inner.field, item))
      : inner.op === 'range' && inner.value && typeof inner.value === 'object'
        ? Object.fromEntries(Object.entries(inner.value as Range).map(([end, bound]) => [end, fromApi(inner.field, bound)]))
        : fromApi(inner.field, inner.value);
  return { ...newRow(), field: inner.field, op: inner.op, value, not: negated, ...(inner.period ? { period: inner.period } : {}) };
}

/** A saved definition as builder rows, or undefined when it nests deeper than the builder shows (it is then run as saved). */
export function rowsOf(where: WhereNode | undefined): { rows: ConditionRow[]; junction: Junction } | undefined {
  if (!where) return { rows: [], junction: 'and' };
  const junction: Junction | undefined = 'and' in where ? 'and' : 'or' in where ? 'or' : undefined;
  const nodes = junction ? (where as Record<Junction, WhereNode[]>)[junction] : [where];
  const rows = nodes.map(rowOf);
  return rows.every((row): row is ConditionRow => row !== undefined) ? { rows, junction: junction ?? 'and' } : undefined;
}

/** Where a refusal's `errors[].path` points: a condition row (by index), the sort, or the query as a whole. */
export function placeOf(path: string): { row: number } | { sort: true } | undefined {
  const row = /^where\.(?:and|or)\[(\d+)\]/.exec(path);
  if (row) return { row: Number(row[1]) };
  if (/^where(\.|$)/.test(path) && !/^where\.(and|or)$/.test(path)) return { row: 0 };
  if (path.startsWith('sort')) return { sort: true };
  return undefined;
}

/** The part of a condition a path names beyond its row: `field`, `op`, `value`, `value.to`, `period`… */
export function partOf(path: string): string {
  const rest = /^where(?:\.(?:and|or)\[\d+\])?(?:\.not)?\.?(.*)$/.exec(path)?.[1] ?? '';
  return rest.split(/[.[]/)[0] || 'value';
}
