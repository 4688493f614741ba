import { FieldProblem, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { parseCustomerNumber } from '@pi-ledger/ledger-domain/customer-number/customer-number';
import { isRealDate } from '@pi-ledger/ledger-domain/validation/resident-id';
import { STAFF_ID } from '@pi-ledger/ledger-domain/departments/department.decider';
import {
  fieldSpec,
  isQueryField,
  QUERY_FIELD_NAMES,
  QUERY_OPS,
  QueryCondition,
  QueryFieldName,
  QueryNode,
  QueryOp,
  QuerySort,
} from '@pi-ledger/read-models/projections/customer-query/customer-query.fields';

export const QUERY_LIMITS = { depth: 6, conditions: 40, list: 100, sort: 3, term: 100 };

/** A term of a sealed field as its keyed token (the caller brings the vault). */
export type TermToken = (field: QueryFieldName, term: string) => string;

export interface ParsedQuery {
  where?: QueryNode;
  sort: QuerySort[];
  /** Every field the query filters or sorts by, with the path naming it: what the caller must be allowed to read. */
  reads: Array<{ field: QueryFieldName; category: Category | null; path: string }>;
}

/**
 * Checks a query's `where` tree and `sort` and returns them typed, terms of sealed fields as tokens.
 * Every problem names its path as sent (`where.and[1].op`, `sort[0].field`); nothing is guessed.
 */
export function parseQuery(where: unknown, sort: unknown, token: TermToken): ParsedQuery {
  const parser = new QueryParser(token);
  const tree = where === undefined ? undefined : parser.node(where, 'where', 1);
  const sorts = sort === undefined ? [] : parser.sort(sort);
  if (parser.problems.length > 0) throw new InvalidInput(parser.problems);
  return { where: tree, sort: sorts, reads: parser.reads };
}

class QueryParser {
  readonly problems: FieldProblem[] = [];
  readonly reads: ParsedQuery['reads'] = [];
  private conditions = 0;

  constructor(private readonly token: TermToken) {}

  node(input: unknown, path: string, depth: number): QueryNode | undefined {
    if (!isObject(input)) return this.fail(path, 'must be an object: {and: […]}, {or: […]}, {not: {…}} or a condition {field, op, value}');
    if (depth > QUERY_LIMITS.depth) return this.fail(path, `nests deeper than ${QUERY_LIMITS.depth} levels`);
    const keys = Object.keys(input);
    for (const junction of ['and', 'or'] as const) {
      if (!(junction in input)) continue;
      if (keys.length !== 1) return this.fail(path, `${junction} stands alone: no other key beside it`);
      const children = input[junction];
      if (!Array.isArray(children) || children.length === 0) return this.fail(`${path}.${junction}`, 'must be a non-empty array');
      const nodes = children.map((child, index) => this.node(child, `${path}.${junction}[${index}]`, depth + 1));
      return nodes.every((node) => node !== undefined) ? ({ [junction]: nodes } as QueryNode) : undefined;
    }
    if ('not' in input) {
      if (keys.length !== 1) return this.fail(path, 'not stands alone: no other key beside it');
      const child = this.node(input.not, `${path}.not`, depth + 1);
      return child && { not: child };
    }
    return this.condition(input, path);
  }

  sort(input: unknown): QuerySort[] {
    if (!Array.isArray(input) || input.length > QUERY_LIMITS.sort) return this.fail('sort', `must be an array of at most ${QUERY_LIMITS.sort} {field, dir}`) ?? [];
    const sorts: QuerySort[] = [];
    input.forEach((entry, index) => {
      const path = `sort[${index}]`;
      if (!isObject(entry)) return this.fail(path, 'must be {field, dir}');
      const extra = Object.keys(entry).find((key) => key !== 'field' && key !== 'dir');
      if (extra) return this.fail(`${path}.${extra}`, 'unknown property');
      if (!isQueryField(entry.field)) return this.fail(`${path}.field`, `unknown field; one of ${QUERY_FIELD_NAMES.join(', ')}`);
      if (!fieldSpec(entry.field).sortable) return this.fail(`${path}.field`, `${entry.field} is not sortable`);
      if (sorts.some((sort) => sort.field === entry.field)) return this.fail(`${path}.field`, `${entry.field} is sorted by already`);
      const dir = entry.dir ?? 'asc';
      if (dir !== 'asc' && dir !== 'desc') return this.fail(`${path}.dir`, 'must be asc or desc');
      this.reads.push({ field: entry.field, category: fieldSpec(entry.field).category, path: `${path}.field` });
      sorts.push({ field: entry.field, dir });
    });
    return sorts;
  }

  private condition(input: Record<string, unknown>, path: string): QueryCondition | undefined {
    if (++this.conditions > QUERY_LIMITS.conditions) return this.fail(path, `a query holds at most ${QUERY_LIMITS.conditions} conditions`);
    const extra = Object.keys(input).find((key) => !['field', 'op', 'value', 'period'].includes(key));
    if (extra) return this.fail(`${path}.${extra}`, 'unknown property');
    const { field, op } = input;
    if (!isQueryField(field)) return this.fail(`${path}.field`, `unknown field; one of ${QUERY_FIELD_NAMES.join(', ')} (GET /v1/subjects/query/fields)`);
    const spec = fieldSpec(field);
    if (typeof op !== 'string' || !QUERY_OPS.includes(op as QueryOp)) return this.fail(`${path}.op`, `must be one of ${QUERY_OPS.join(', ')}`);
    if (!spec.ops.includes(op as QueryOp)) return this.fail(`${path}.op`, `${field} takes ${spec.ops.join(', ')}`);
    this.reads.push({ field, category: spec.category, path: `${path}.field` });
    const value = this.value(field, op as QueryOp, input.value, `${path}.value`);
    let period: QueryCondition['period'];
    if (input.period !== undefined) {
      if (!spec.period) return this.fail(`${path}.period`, `${field} takes no period`);
      period = this.range<string>(input.period, `${path}.period`, (item, at) => this.date(item, at));
    }
    if (value === undefined) return undefined;
    return { field, op: op as QueryOp, value, ...(period ? { period } : {}) };
  }

  private value(field: QueryFieldName, op: QueryOp, input: unknown, path: string): QueryCondition['value'] | undefined {
    switch (op) {
      case 'exists':
        return typeof input === 'boolean' ? input : this.fail(path, 'must be true or false');
      case 'eq':
        return this.scalar(field, input, path);
      case 'in': {
        if (!Array.isArray(input) || input.length === 0 || input.length > QUERY_LIMITS.list)
          return this.fail(path, `must be a non-empty array of at most ${QUERY_LIMITS.list} values`);
        const items = input.map((item, index) => this.scalar(field, item, `${path}[${index}]`));
        return items.every((item) => item !== undefined) ? items : undefined;
      }
      case 'range':
        return this.range(input, path, (item, at) => this.scalar(field, item, at));
      case 'prefix':
      case 'contains':
        // only customer numbers offer them: letters and digits, compared upper case
        return typeof input === 'string' && /^[A-Za-z0-9]{1,20}$/.test(input) ? input.toUpperCase() : this.fail(path, 'must be 1 to 20 letters or digits');
    }
  }

  private range<T extends string | number>(input: unknown, path: string, item: (value: unknown, at: string) => T | undefined): { from?: T; to?: T } | undefined {
    if (!isObject(input) || (input.from === undefined && input.to === undefined)) return this.fail(path, 'must be {from?, to?} with at least one bound (both inclusive)');
    const extra = Object.keys(input).find((key) => key !== 'from' && key !== 'to');
    if (extra) return this.fail(`${path}.${extra}`, 'unknown property');
    const from = input.from === undefined ? undefined : item(input.from, `${path}.from`);
    const to = input.to === undefined ? undefined : item(input.to, `${path}.to`);
    if ((input.from !== undefined && from === undefined) || (input.to !== undefined && to === undefined)) return undefined;
    if (from !== undefined && to !== undefined && from > to) return this.fail(`${path}.to`, 'must not be before from');
    return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
  }

  private scalar(field: QueryFieldName, input: unknown, path: string): string | number | undefined {
    const spec = fieldSpec(field);
    switch (spec.type) {
      case 'integer':
      case 'number': {
        const ok = typeof input === 'number' && Number.isFinite(input) && (spec.type === 'number' || Number.isInteger(input));
        if (!ok) return this.fail(path, spec.type === 'integer' ? 'must be an integer' : 'must be a number');
        if ((spec.min !== undefined && input < spec.min) || (spec.max !== undefined && input > spec.max))
          return this.fail(path, `must be within ${spec.min ?? '…'} and ${spec.max ?? '…'}`);
        return input;
      }
      case 'date':
        return this.date(input, path);
      case 'enum':
        return typeof input === 'string' && spec.values!.includes(input) ? input : this.fail(path, `must be one of ${spec.values!.join(', ')}`);
      case 'uuid':
        return typeof input === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input) ? input.toLowerCase() : this.fail(path, 'must be a UUID');
      case 'staffId':
        return typeof input === 'string' && STAFF_ID.test(input) ? input : this.fail(path, 'must be a staff account id');
      case 'purposeId':
        return typeof input === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(input) ? input : this.fail(path, 'must be a purpose id');
      case 'divisionCode':
        return typeof input === 'string' && /^\d{6}$/.test(input) ? input : this.fail(path, 'must be a 6-digit GB/T 2260 code');
      case 'customerNumber':
        if (typeof input !== 'string') return this.fail(path, 'must be a customer number such as C2026000123');
        try {
          return parseCustomerNumber(input, path);
        } catch (error) {
          if (error instanceof InvalidInput) return this.fail(path, error.errors[0].message);
          throw error;
        }
      case 'term': {
        if (typeof input !== 'string' || input.trim() === '' || input.length > QUERY_LIMITS.term) return this.fail(path, `must be a term of 1 to ${QUERY_LIMITS.term} characters`);
        return this.token(field, input);
      }
    }
  }

  private date(input: unknown, path: string): string | undefined {
    return typeof input === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(input) && isRealDate(input) ? input : this.fail(path, 'must be a date YYYY-MM-DD');
  }

  private fail(path: string, message: string): undefined {
    this.problems.push({ path, message });
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
