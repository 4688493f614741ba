import { DEFAULT_LIFECYCLE_STAGE } from '@pi-ledger/ledger-domain/subject/lifecycle';
import { fieldSpec, QueryCondition, QueryFieldName, QueryNode, QuerySort } from './customer-query.fields';

/**
 * SQL of the combined query over `subject_profile p`, `customer_query_facts f` and `customer_numbers n`.
 * Every value is a parameter; `$1` is today's date on the ledger clock (ages, recency).
 */
export class QuerySql {
  readonly params: unknown[];

  constructor(today: string) {
    this.params = [today];
  }

  param(value: unknown, cast: string): string {
    this.params.push(value);
    return `$${this.params.length}::${cast}`;
  }

  /** `negated`: under a `not`, where a condition on an absent value must be false, not NULL (outside, NULL rejects a row as false does, and indexes still serve). */
  where(node: QueryNode, negated = false): string {
    if ('and' in node) return node.and.length === 0 ? 'true' : `(${node.and.map((child) => this.where(child, negated)).join(' AND ')})`;
    if ('or' in node) return node.or.length === 0 ? 'false' : `(${node.or.map((child) => this.where(child, negated)).join(' OR ')})`;
    if ('not' in node) return `NOT ${this.where(node.not, true)}`;
    // a customer without the value does not match, and so does match its negation
    return negated ? `coalesce(${this.condition(node)}, false)` : `(${this.condition(node)})`;
  }

  /** The sort expression: absent values sort as the lowest (numbers -1, dates -infinity, text ''), so keyset pages never skip them. */
  sortKey(field: QueryFieldName): { expression: string; cast: string } {
    const cast = castOf(field);
    const lowest = cast === 'date' ? `'-infinity'::date` : cast === 'text' ? `''` : '-1';
    return { expression: `coalesce(${expressionOf(field)}, ${lowest})`, cast };
  }

  /** Rows after the last one of the previous page, in the order of `sort` then subject id. */
  after(sort: readonly QuerySort[], key: readonly string[]): string {
    const keys = sort.map((entry, index) => ({ ...this.sortKey(entry.field), dir: entry.dir, value: key[index] }));
    const subjectId = this.param(key[sort.length], 'text');
    const values = keys.map((entry) => this.param(entry.value, entry.cast));
    const alternatives: string[] = [];
    for (let index = 0; index <= keys.length; index++) {
      const equal = keys.slice(0, index).map((entry, at) => `${entry.expression} = ${values[at]}`);
      const next = index < keys.length ? `${keys[index].expression} ${keys[index].dir === 'asc' ? '>' : '<'} ${values[index]}` : `p.subject_id > ${subjectId}`;
      alternatives.push([...equal, next].join(' AND '));
    }
    return `(${alternatives.map((alternative) => `(${alternative})`).join(' OR ')})`;
  }

  private condition(condition: QueryCondition): string {
    const { field, op, value } = condition;
    switch (field) {
      case 'tags':
        return this.tokens('p.tag_bidxs', op, value);
      case 'conditions':
        return this.tokens('f.condition_tokens', op, value);
      case 'allergies':
        return this.tokens('f.allergy_tokens', op, value);
      case 'abnormalIndicators': {
        const within = this.period('a.visit_date', condition.period);
        const token = op === 'exists' ? 'true' : `a.indicator_token = ANY(${this.param(list(value), 'text[]')})`;
        const found = `EXISTS (SELECT 1 FROM customer_query_abnormal a WHERE a.subject_id = p.subject_id AND ${token}${within})`;
        return op === 'exists' && value === false ? `NOT ${found}` : found;
      }
      case 'province':
      case 'city':
      case 'district': {
        if (op === 'exists') return `f.division_code IS ${value === true ? 'NOT ' : ''}NULL`;
        const digits = { province: 2, city: 4, district: 6 }[field];
        const prefixes = list(value).map((code) => `${String(code).slice(0, digits)}%`);
        return `f.division_code LIKE ANY(${this.param(prefixes, 'text[]')})`;
      }
      case 'activeConsent':
      case 'withdrawnConsent': {
        const status = field === 'activeConsent' ? 'active' : 'withdrawn';
        const patterns = list(value).map((purposeId) => JSON.stringify([{ purposeId, status }]));
        return `p.consents @> ANY(${this.param(patterns, 'jsonb[]')})`;
      }
      case 'customerNumber': {
        const own = this.scalar(expressionOf(field), castOf(field), op, value);
        if (op !== 'eq' && op !== 'in') return own;
        // a merged-away file's number leads to the file it was merged into, as the look-up by number does
        const merged = `SELECT a.merged_into FROM customer_numbers a WHERE a.customer_number = ANY(${this.param(list(value), 'text[]')}) AND a.merged_into IS NOT NULL`;
        return `${own} OR p.subject_id IN (${merged})`;
      }
      case 'age':
        return this.age(op, value);
      case 'orderTotal':
      case 'orderCount':
        if (condition.period) return this.ordersWithin(field, condition.period, op, value);
        return this.scalar(expressionOf(field), castOf(field), op, value);
      default:
        return this.scalar(expressionOf(field), castOf(field), op, value);
    }
  }

  private scalar(expression: string, cast: string, op: QueryCondition['op'], value: QueryCondition['value']): string {
    switch (op) {
      case 'eq':
        return `${expression} = ${this.param(value, cast)}`;
      case 'in':
        return `${expression} = ANY(${this.param(value, `${cast}[]`)})`;
      case 'range': {
        const { from, to } = value as { from?: string | number; to?: string | number };
        return [...(from === undefined ? [] : [`${expression} >= ${this.param(from, cast)}`]), ...(to === undefined ? [] : [`${expression} <= ${this.param(to, cast)}`])].join(
          ' AND ',
        );
      }
      case 'prefix':
        return `${expression} LIKE ${this.param(`${escapeLike(value as string)}%`, 'text')}`;
      case 'contains':
        return `${expression} LIKE ${this.param(`%${escapeLike(value as string)}%`, 'text')}`;
      case 'exists':
        return `${expression} IS ${value === true ? 'NOT ' : ''}NULL`;
    }
  }

  private tokens(column: string, op: QueryCondition['op'], value: QueryCondition['value']): string {
    if (op === 'exists') return `cardinality(coalesce(${column}, '{}')) ${value === true ? '>' : '='} 0`;
    return `${column} && ${this.param(list(value), 'text[]')}`;
  }

  /**
   * Age bounds as bounds on the birth month (yyyymm), so the index on it serves. Ages count from the
   * 1st of the birth month: age ≥ a ⇔ born in or before today's month a years ago; age ≤ b ⇔ born
   * after today's month b + 1 years ago.
   */
  private age(op: QueryCondition['op'], value: QueryCondition['value']): string {
    if (op === 'exists') return `f.birth_month IS ${value === true ? 'NOT ' : ''}NULL`;
    const monthYearsAgo = (years: number) => `((extract(year FROM $1::date)::int - ${this.param(years, 'int')}) * 100 + extract(month FROM $1::date)::int)`;
    const between = (from: number | undefined, to: number | undefined) =>
      [...(from === undefined ? [] : [`f.birth_month <= ${monthYearsAgo(from)}`]), ...(to === undefined ? [] : [`f.birth_month > ${monthYearsAgo(to + 1)}`])].join(' AND ');
    if (op === 'eq') return between(value as number, value as number);
    if (op === 'in') return `(${(value as number[]).map((age) => `(${between(age, age)})`).join(' OR ')})`;
    const { from, to } = value as { from?: number; to?: number };
    return between(from, to);
  }

  /**
   * Orders of a period: a condition no customer without orders there meets (a positive `eq`, `in` or
   * lower bound) reads the period's orders once, grouped by customer (index on the date); any other
   * must also find customers with none, so it asks per customer.
   */
  private ordersWithin(field: 'orderTotal' | 'orderCount', period: NonNullable<QueryCondition['period']>, op: QueryCondition['op'], value: QueryCondition['value']): string {
    const measure = field === 'orderTotal' ? 'coalesce(sum(o.amount_fen - o.refunded_fen), 0)' : 'count(*)';
    const counted = `NOT o.cancelled AND o.refunded_fen < o.amount_fen${this.period('o.order_date', period)}`;
    const positive = (bound: unknown) => typeof bound === 'number' && bound > 0;
    const range = value as { from?: number };
    const excludesNone = op === 'eq' ? positive(value) : op === 'in' ? (value as number[]).every(positive) : op === 'range' && positive(range.from);
    if (excludesNone) {
      return `p.subject_id IN (SELECT o.subject_id FROM customer_query_orders o WHERE ${counted} GROUP BY o.subject_id HAVING ${this.scalar(measure, 'bigint', op, value)})`;
    }
    return this.scalar(`(SELECT ${measure} FROM customer_query_orders o WHERE o.subject_id = p.subject_id AND ${counted})`, 'bigint', op, value);
  }

  private period(column: string, period: QueryCondition['period']): string {
    if (!period) return '';
    return `${period.from === undefined ? '' : ` AND ${column} >= ${this.param(period.from, 'date')}`}${period.to === undefined ? '' : ` AND ${column} <= ${this.param(period.to, 'date')}`}`;
  }
}

/** The value of a scalar field. */
export function expressionOf(field: QueryFieldName): string {
  const expressions: Partial<Record<QueryFieldName, string>> = {
    customerNumber: 'n.customer_number',
    status: 'p.status',
    customerType: 'p.customer_type',
    tier: 'p.tier',
    lifecycleStage: `coalesce(p.lifecycle_stage, '${DEFAULT_LIFECYCLE_STAGE}')`,
    departmentId: 'p.department_id',
    healthManagerId: 'p.health_manager_id',
    gender: 'p.gender',
    age: `date_part('year', age($1::date, make_date(f.birth_month / 100, f.birth_month % 100, 1)))::int`,
    lastServiceDate: 'f.last_service_date',
    lastCheckupDate: 'f.last_checkup_date',
    orderTotal: 'coalesce(f.order_total_fen, 0)',
    orderCount: 'coalesce(f.order_count, 0)',
    openComplaints: 'coalesce(f.open_complaints, 0)',
    lastSurveyScore: 'f.last_survey_score',
    // graded and stored by the projection (recency aged daily by RfmRecencySweep), so their indexes serve
    rfmRecency: 'f.rfm_recency',
    rfmFrequency: 'f.rfm_frequency',
    rfmMonetary: 'f.rfm_monetary',
    rfmScore: 'f.rfm_score',
    rfmSegment: 'f.rfm_segment',
  };
  const expression = expressions[field];
  if (!expression) throw new TypeError(`field ${field} has no scalar value`);
  return expression;
}

function castOf(field: QueryFieldName): string {
  const type = fieldSpec(field).type;
  if (type === 'date') return 'date';
  if (type === 'integer') return 'bigint';
  if (type === 'number') return 'numeric';
  return 'text';
}

function list(value: QueryCondition['value']): Array<string | number> {
  return Array.isArray(value) ? value : [value as string | number];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
