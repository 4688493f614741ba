import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { AccessMatrixErrorCode } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.errors';
import { permittedCategories } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { admittedPurpose } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { reachOf } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { decodeCursor, encodeCursor } from '@pi-ledger/read-models/projections/keyset-cursor';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { CustomerNumberQueries } from '@pi-ledger/read-models/projections/customer-numbers/customer-numbers.projection';
import { CustomerFacts, CustomerQueryQueries, CustomerQueryRow } from '@pi-ledger/read-models/projections/customer-query/customer-query.queries';
import { fieldSpec, isQueryField, QueryFieldName, QuerySort } from '@pi-ledger/read-models/projections/customer-query/customer-query.fields';
import { healthToken, HealthTermField } from '@pi-ledger/read-models/projections/customer-query/customer-query.tokens';
import { AccessRead, AccessRecorder } from '../../access-log/access-recorder';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { chinaDate } from '../subject-data.dto';
import { maskedSummary, SubjectSummary } from '../search-subjects/subject-summary';
import { ParsedQuery, parseQuery } from './query-parse';
import { QUERY_DEFAULT_LIMIT, QuerySubjectsDto } from './query-subjects.dto';

export class QuerySubjects {
  constructor(
    readonly purposeId: string,
    readonly body: QuerySubjectsDto,
    readonly context: RequestContext,
  ) {}
}

export interface QueriedSubject extends SubjectSummary {
  /** The values of the columns asked for (default: the fields filtered or sorted by) the caller may read of this customer. */
  facts: Partial<CustomerFacts>;
}

/** Which fact each field shows as a column; fields without one (tags, conditions, consents…) show nothing beyond the summary. */
const COLUMN_OF: Partial<Record<QueryFieldName, keyof CustomerFacts>> = {
  age: 'age',
  province: 'divisionCode',
  city: 'divisionCode',
  district: 'divisionCode',
  lastServiceDate: 'lastServiceDate',
  lastCheckupDate: 'lastCheckupDate',
  openComplaints: 'openComplaints',
  lastSurveyScore: 'lastSurveyScore',
  orderCount: 'orderCount',
  orderTotal: 'orderTotal',
  rfmRecency: 'rfm',
  rfmFrequency: 'rfm',
  rfmMonetary: 'rfm',
  rfmScore: 'rfm',
  rfmSegment: 'rfm',
};

/** Pages of rows are read until one is full of customers the purpose lets the caller see; this caps the reads behind one response. */
const MAX_READS = 10;

/**
 * The combined query (issue #16): customers matching a tree of conditions, sorted and keyset-paged,
 * as the masked summaries search gives. A field whose category the caller's roles or the purpose do
 * not cover is refused (403 naming its path); a customer the purpose gives no basis to read, or to
 * read the categories queried, is left out. One access record per customer returned, naming the
 * categories shown and queried.
 */
@QueryHandler(QuerySubjects)
export class QuerySubjectsHandler implements IQueryHandler<QuerySubjects> {
  constructor(
    private readonly query: CustomerQueryQueries,
    private readonly profiles: SubjectProfileQueries,
    private readonly numbers: CustomerNumberQueries,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
    private readonly registry: RegistryService,
    private readonly matrix: AccessMatrixService,
    private readonly access: AccessRecorder,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {}

  async execute({ purposeId, body, context }: QuerySubjects): Promise<{ items: QueriedSubject[]; nextCursor: string | null }> {
    const registry = await this.registry.current();
    const purpose = admittedPurpose(registry, purposeId);
    const parsed = parseQuery(body.where, body.sort, (field, term) => this.token(field, term));
    const columns = columnsOf(body.columns, parsed);
    const permitted = permittedCategories(await this.matrix.current(), context.actor.roles, 'read');
    for (const read of [...parsed.reads, ...columns]) {
      if (read.category === null || (permitted.includes(read.category) && purpose.categories.includes(read.category))) continue;
      const why = permitted.includes(read.category) ? `the purpose ${purposeId} does not cover` : 'your roles may not read';
      throw new DomainError<AccessMatrixErrorCode>('category-not-permitted', `${read.field}: ${why} the category ${read.category}`, {
        category: read.category,
        errors: [{ path: read.path, message: `${why} the category ${read.category}` }],
      });
    }
    const queried = [...new Set(parsed.reads.flatMap((read) => (read.category === null ? [] : [read.category])))];
    const shownCategories = columns.flatMap((column) => (column.category === null ? [] : [column.category]));
    const reach = reachOf(context.actor);
    const limit = body.limit ?? QUERY_DEFAULT_LIMIT;
    const today = chinaDate(this.clock());
    let after = body.cursor === undefined ? undefined : cursorKey(body.cursor, parsed.sort);
    const items: QueriedSubject[] = [];
    const reads: AccessRead[] = [];
    let more = false;
    for (let read = 0; read < MAX_READS && items.length < limit; read++) {
      const want = limit - items.length;
      const rows = await this.query.page({
        ...(parsed.where ? { where: parsed.where } : {}),
        sort: parsed.sort,
        ...(after ? { after } : {}),
        limit: want + 1,
        today,
        ...(reach.kind === 'assigned' ? { reach } : {}),
      });
      const matches = new Map((await this.profiles.matchesOf(rows.map((row) => row.subjectId))).map((match) => [match.subjectId, match]));
      more = rows.length > want;
      for (const row of rows.slice(0, want)) {
        after = [...row.sortKey, row.subjectId];
        const match = matches.get(row.subjectId);
        // records (check-ups, services, orders…) live in streams of their own: the profile does not list their categories as held
        const held = match && { ...match, categories: [...new Set([...match.categories, ...queried, ...shownCategories])] };
        const shown = held && maskedSummary(registry, purposeId, held, queried, permitted);
        if (!shown) continue;
        const facts = factsShown(row, columns, shown.visible);
        items.push({ ...shown.summary, facts: facts.values });
        reads.push({ subjectId: row.subjectId, purposeId, categories: [...new Set([...shown.categories, ...queried, ...facts.categories])], revealed: [], via: 'query' });
      }
      if (!more) break;
    }
    await this.access.record(context, reads);
    const numbers = await this.numbers.numbersOf(items.map((item) => item.subjectId));
    for (const item of items) item.customerNumber = numbers.get(item.subjectId) ?? null;
    return { items, nextCursor: more && after ? encodeCursor([cursorTag(parsed.sort), ...after.map((part) => `=${part}`)]) : null };
  }

  private token(field: QueryFieldName, term: string): string {
    if (field === 'tags') return this.vault.blindIndex('tag', term);
    const kind: HealthTermField = field === 'abnormalIndicators' ? 'indicators' : field === 'allergies' ? 'allergies' : 'conditions';
    return healthToken(this.vault, kind, term) ?? '';
  }
}

type Column = { field: QueryFieldName; category: Category | null; path: string };

/** The columns asked for, else every field filtered or sorted by that shows one. */
export function columnsOf(asked: string[] | undefined, parsed: ParsedQuery): Column[] {
  if (asked === undefined) return parsed.reads.filter((read) => COLUMN_OF[read.field] !== undefined);
  const problems = asked.flatMap((field, index) =>
    isQueryField(field) && COLUMN_OF[field] !== undefined
      ? []
      : [{ path: `columns[${index}]`, message: `not a field that shows a value; one of ${Object.keys(COLUMN_OF).join(', ')}` }],
  );
  if (problems.length > 0) throw new InvalidInput(problems);
  return (asked as QueryFieldName[]).map((field, index) => ({ field, category: fieldSpec(field).category, path: `columns[${index}]` }));
}

function factsShown(row: CustomerQueryRow, columns: readonly Column[], visible: readonly Category[]): { values: Partial<CustomerFacts>; categories: Category[] } {
  const values: Record<string, unknown> = {};
  const categories = new Set<Category>();
  for (const column of columns) {
    if (column.category !== null && !visible.includes(column.category)) continue;
    const fact = COLUMN_OF[column.field]!;
    values[fact] = row.facts[fact];
    if (column.category !== null) categories.add(column.category);
  }
  return { values: values, categories: [...categories] };
}

/** Which sort a cursor belongs to: a cursor of another sort is refused, not misread. */
function cursorTag(sort: readonly QuerySort[]): string {
  return `sort:${sort.map((entry) => `${entry.field}.${entry.dir}`).join(',')}`;
}

/** The sort keys and subject id a cursor carries, each checked against its field's type (the SQL casts them). */
function cursorKey(cursor: string, sort: readonly QuerySort[]): string[] {
  const key = decodeCursor(cursor, sort.length + 2);
  const refuse = () => new InvalidInput([{ path: 'cursor', message: 'not a cursor this query returned (the same where and sort)' }]);
  if (!key || key[0] !== cursorTag(sort) || !key.slice(1).every((part) => part.startsWith('='))) throw refuse();
  const parts = key.slice(1).map((part) => part.slice(1));
  const typed = sort.every((entry, index) => {
    const type = fieldSpec(entry.field).type;
    if (type === 'date') return /^(-infinity|\d{4}-\d{2}-\d{2})$/.test(parts[index]);
    if (type === 'integer' || type === 'number') return /^-?\d{1,15}(\.\d{1,4})?$/.test(parts[index]);
    return true;
  });
  if (!typed || parts[sort.length] === '') throw refuse();
  return parts;
}
