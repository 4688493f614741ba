import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { CUSTOMER_TIERS, CUSTOMER_TYPES } from '@pi-ledger/ledger-domain/subject/customer-profile';
import { LIFECYCLE_STAGES } from '@pi-ledger/ledger-domain/subject/lifecycle';
import { RFM_SEGMENTS } from './rfm';

export const QUERY_OPS = ['eq', 'in', 'range', 'prefix', 'contains', 'exists'] as const;
export type QueryOp = (typeof QUERY_OPS)[number];

/** How a value is given: the parser checks it and turns terms of sealed fields into their keyed tokens. */
export type QueryValueType =
  | 'customerNumber'
  | 'enum'
  | 'uuid'
  | 'staffId'
  | 'purposeId'
  | 'divisionCode'
  | 'integer'
  | 'number'
  | 'date'
  /** A free term matched by its keyed token (tags, conditions, allergies, indicator codes): eq / in / exists only. */
  | 'term';

export interface QueryFieldSpec {
  /** The category the field reads: who may filter, sort or see it (role × category matrix, the purpose). null: no category's data (ids, assignment, consent register). */
  category: Category | null;
  type: QueryValueType;
  ops: readonly QueryOp[];
  sortable: boolean;
  /** Conditions may name a `period` {from, to} (dates, inclusive). */
  period?: boolean;
  values?: readonly string[];
  /** Bounds of integer fields. */
  min?: number;
  max?: number;
  description: string;
}

const TERM_OPS = ['eq', 'in', 'exists'] as const;
const NUMBER_OPS = ['eq', 'in', 'range', 'exists'] as const;
const DATE_OPS = ['eq', 'range', 'exists'] as const;
const ENUM_OPS = ['eq', 'in', 'exists'] as const;

/**
 * The fields of the combined query (docs/api.md "Combined query"). Sealed values (tags, conditions,
 * allergies, check-up indicators) are matched by keyed tokens of their normalised terms, so they
 * offer eq / in / exists and never prefix or contains.
 */
export const QUERY_FIELDS = {
  customerNumber: { category: null, type: 'customerNumber', ops: ['eq', 'in', 'prefix', 'contains', 'exists'], sortable: true, description: 'Customer number, e.g. C2026000123' },
  status: { category: null, type: 'enum', values: ['active', 'restricted'], ops: ['eq', 'in'], sortable: false, description: 'Processing status of the file' },
  customerType: { category: 'customer_profile', type: 'enum', values: CUSTOMER_TYPES, ops: ENUM_OPS, sortable: true, description: 'Customer type' },
  tier: { category: 'customer_profile', type: 'enum', values: CUSTOMER_TIERS, ops: ENUM_OPS, sortable: true, description: 'Membership tier' },
  tags: { category: 'customer_profile', type: 'term', ops: TERM_OPS, sortable: false, description: 'A tag, exactly (case and width do not matter); `in`: any of them' },
  lifecycleStage: { category: null, type: 'enum', values: LIFECYCLE_STAGES, ops: ['eq', 'in'], sortable: true, description: 'Lifecycle stage' },
  departmentId: { category: null, type: 'uuid', ops: ['eq', 'in', 'exists'], sortable: false, description: 'Assigned department' },
  healthManagerId: { category: null, type: 'staffId', ops: ['eq', 'in', 'exists'], sortable: false, description: 'Assigned health manager (staff account id)' },
  gender: { category: 'identity', type: 'enum', values: ['male', 'female', 'other', 'undisclosed'], ops: ENUM_OPS, sortable: true, description: 'Gender' },
  age: {
    category: 'identity',
    type: 'integer',
    min: 0,
    max: 150,
    ops: NUMBER_OPS,
    sortable: true,
    description: 'Age in whole years on the ledger clock today, from the birth year and month',
  },
  province: {
    category: 'contact',
    type: 'divisionCode',
    ops: ['eq', 'in', 'exists'],
    sortable: false,
    description: 'Province of the primary address: a GB/T 2260 code (its first two digits count), e.g. 330000',
  },
  city: {
    category: 'contact',
    type: 'divisionCode',
    ops: ['eq', 'in', 'exists'],
    sortable: false,
    description: 'City of the primary address: a GB/T 2260 code (its first four digits count), e.g. 330100',
  },
  district: {
    category: 'contact',
    type: 'divisionCode',
    ops: ['eq', 'in', 'exists'],
    sortable: false,
    description: 'District of the primary address: a GB/T 2260 code, e.g. 330106',
  },
  conditions: { category: 'health', type: 'term', ops: TERM_OPS, sortable: false, description: 'A condition, exactly as recorded (normalised); `in`: any of them' },
  allergies: { category: 'health', type: 'term', ops: TERM_OPS, sortable: false, description: 'An allergy, exactly as recorded (normalised); `in`: any of them' },
  abnormalIndicators: {
    category: 'health_records',
    type: 'term',
    ops: TERM_OPS,
    period: true,
    sortable: false,
    description: 'A check-up indicator code found abnormal at a visit within the period (default: ever); `exists`: any abnormal result',
  },
  lastServiceDate: { category: 'service_interactions', type: 'date', ops: DATE_OPS, sortable: true, description: 'Date of the last service record' },
  lastCheckupDate: { category: 'health_records', type: 'date', ops: DATE_OPS, sortable: true, description: 'Date of the last check-up visit' },
  orderTotal: {
    category: 'consumption',
    type: 'integer',
    min: 0,
    ops: ['eq', 'range'],
    period: true,
    sortable: true,
    description: 'Net amount of counted orders in fen, within the period (default: ever); sorting uses the all-time total',
  },
  orderCount: {
    category: 'consumption',
    type: 'integer',
    min: 0,
    ops: ['eq', 'range'],
    period: true,
    sortable: true,
    description: 'Counted orders within the period (default: ever)',
  },
  openComplaints: {
    category: 'service_interactions',
    type: 'integer',
    min: 0,
    ops: ['eq', 'range'],
    sortable: true,
    description: 'Complaints received or reopened and not closed',
  },
  lastSurveyScore: {
    category: 'service_interactions',
    type: 'number',
    min: 1,
    max: 5,
    ops: ['eq', 'range', 'exists'],
    sortable: true,
    description: 'Mean 1–5 rating of the last answered survey',
  },
  activeConsent: { category: null, type: 'purposeId', ops: ['eq', 'in'], sortable: false, description: 'Holds an active consent to this purpose (`in`: to any of them)' },
  withdrawnConsent: { category: null, type: 'purposeId', ops: ['eq', 'in'], sortable: false, description: 'Withdrew a consent to this purpose (`in`: any of them)' },
  rfmRecency: {
    category: 'consumption',
    type: 'integer',
    min: 1,
    max: 5,
    ops: NUMBER_OPS,
    sortable: true,
    description: 'RFM recency grade 1–5 (days since the last counted order; graded again each day)',
  },
  rfmFrequency: { category: 'consumption', type: 'integer', min: 1, max: 5, ops: NUMBER_OPS, sortable: true, description: 'RFM frequency grade 1–5' },
  rfmMonetary: { category: 'consumption', type: 'integer', min: 1, max: 5, ops: NUMBER_OPS, sortable: true, description: 'RFM monetary grade 1–5' },
  rfmScore: { category: 'consumption', type: 'integer', min: 3, max: 15, ops: NUMBER_OPS, sortable: true, description: 'Sum of the three RFM grades, 3–15' },
  rfmSegment: { category: 'consumption', type: 'enum', values: RFM_SEGMENTS, ops: ENUM_OPS, sortable: true, description: 'RFM segment' },
} as const satisfies Record<string, QueryFieldSpec>;

export type QueryFieldName = keyof typeof QUERY_FIELDS;
export const QUERY_FIELD_NAMES = Object.keys(QUERY_FIELDS) as QueryFieldName[];

export function isQueryField(name: unknown): name is QueryFieldName {
  return typeof name === 'string' && Object.hasOwn(QUERY_FIELDS, name);
}

export function fieldSpec(name: QueryFieldName): QueryFieldSpec {
  return QUERY_FIELDS[name];
}

/** A checked condition, its value as the SQL wants it (terms as tokens, customer numbers upper case, ranges as {from?, to?}). */
export interface QueryCondition {
  field: QueryFieldName;
  op: QueryOp;
  value: string | number | boolean | Array<string | number> | { from?: string | number; to?: string | number };
  period?: { from?: string; to?: string };
}

export type QueryNode = { and: QueryNode[] } | { or: QueryNode[] } | { not: QueryNode } | QueryCondition;

export interface QuerySort {
  field: QueryFieldName;
  dir: 'asc' | 'desc';
}
