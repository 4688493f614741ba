import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { admittedPurpose } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { decodeCursor, encodeCursor } from '@pi-ledger/read-models/projections/keyset-cursor';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { AccessRead, AccessRecorder } from '../../access-log/access-recorder';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { permittedCategories } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { SEARCH_DEFAULT_LIMIT, SearchSubjectsDto } from './search-subjects.dto';
import { SearchCriteria, searchedCategories } from './search-criteria';
import { maskedSummary, SubjectSummary } from './subject-summary';

export type { SubjectSummary } from './subject-summary';
import { CustomerNumberQueries } from '@pi-ledger/read-models/projections/customer-numbers/customer-numbers.projection';

export class SearchSubjects {
  constructor(
    readonly purposeId: string,
    readonly filters: SearchSubjectsDto,
    readonly context: RequestContext,
    /** Where the terms came from, for the paths a 400 names: the query string (`query.name`) or the body (`name`). */
    readonly source: 'query' | 'body' = 'query',
  ) {}
}

/** Pages of matches are read until one is full; this caps the reads behind one response. */
const MAX_READS = 10;

/**
 * Masked summaries of the subjects matching every filter. A subject is left out when the purpose
 * gives no basis to read it (restricted, consent withdrawn, nothing lawful held), or no basis for
 * the categories searched by: finding someone by ID number reads their ID number. One access
 * record per subject returned.
 */
@QueryHandler(SearchSubjects)
export class SearchSubjectsHandler implements IQueryHandler<SearchSubjects> {
  constructor(
    private readonly profiles: SubjectProfileQueries,
    private readonly criteria: SearchCriteria,
    private readonly registry: RegistryService,
    private readonly access: AccessRecorder,
    private readonly matrix: AccessMatrixService,
    private readonly numbers: CustomerNumberQueries,
  ) {}

  async execute({ purposeId, filters, context, source }: SearchSubjects): Promise<{ items: SubjectSummary[]; nextCursor: string | null }> {
    const registry = await this.registry.current();
    admittedPurpose(registry, purposeId);
    const at = (field: string) => (source === 'query' ? `query.${field}` : field);
    const search = this.criteria.conditions(filters, context.actor, { whole: source, at });
    const searchedBy = searchedCategories(filters);
    const permitted = permittedCategories(await this.matrix.current(), context.actor.roles, 'read');
    const limit = filters.limit ?? SEARCH_DEFAULT_LIMIT;
    const items: SubjectSummary[] = [];
    const reads: AccessRead[] = [];
    let after = filters.cursor === undefined ? undefined : cursorKey(filters.cursor, at);
    let more = false;
    for (let read = 0; read < MAX_READS && items.length < limit; read++) {
      const want = limit - items.length;
      const matches = await this.profiles.search({ ...search, after, limit: want + 1 });
      more = false;
      for (const [index, match] of matches.entries()) {
        if (items.length === limit) break;
        after = match.subjectId;
        more = index < matches.length - 1 || matches.length > want; // rows left, or possibly past this read
        const shown = maskedSummary(registry, purposeId, match, searchedBy, permitted);
        if (!shown) continue;
        items.push(shown.summary);
        reads.push({ subjectId: match.subjectId, purposeId, categories: [...new Set([...shown.categories, ...searchedBy])], revealed: [], via: 'search' });
      }
      if (matches.length <= want) break; // no more matches
    }
    await this.access.record(context, reads);
    const numbers = await this.numbers.numbersOf(items.map((item) => item.subjectId));
    for (const item of items) item.customerNumber = numbers.get(item.subjectId) ?? null;
    return { items, nextCursor: more && after ? encodeCursor([after]) : null };
  }
}

function cursorKey(cursor: string, at: (field: string) => string): string {
  const key = decodeCursor(cursor, 1);
  if (!key) throw invalid(at('cursor'), 'not a cursor this endpoint returned');
  return key[0];
}

function invalid(path: string, message: string): InvalidInput {
  return new InvalidInput([{ path, message }]);
}
