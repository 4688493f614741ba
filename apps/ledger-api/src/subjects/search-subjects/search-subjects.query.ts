import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { admittedPurpose } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { BlindIndexKind, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { decodeCursor, encodeCursor } from '@pi-ledger/read-models/projections/keyset-cursor';
import { ProfileSearch, SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { NAME_PREFIX_MAX, NAME_PREFIX_MIN, nameSearchKey } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.row';
import { AccessRead, AccessRecorder } from '../../access-log/access-recorder';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { permittedCategories } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { SEARCH_DEFAULT_LIMIT, SearchSubjectsDto } from './search-subjects.dto';
import { maskedSummary, SubjectSummary } from './subject-summary';

export type { SubjectSummary } from './subject-summary';
import { reachOf } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { parseCustomerNumber } from '@pi-ledger/ledger-domain/customer-number/customer-number';
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
    @Inject(PII_VAULT) private readonly vault: PiiVault,
    private readonly registry: RegistryService,
    private readonly access: AccessRecorder,
    private readonly matrix: AccessMatrixService,
    private readonly numbers: CustomerNumberQueries,
  ) {}

  async execute({ purposeId, filters, context, source }: SearchSubjects): Promise<{ items: SubjectSummary[]; nextCursor: string | null }> {
    const registry = await this.registry.current();
    admittedPurpose(registry, purposeId);
    // health managers and customer service find only the customers they reach: filtered, never refused
    const reach = reachOf(context.actor);
    const search = { ...this.criteria(filters, source), ...(reach.kind === 'assigned' ? { reach } : {}) };
    const searchedBy = searchedCategories(filters);
    const permitted = permittedCategories(await this.matrix.current(), context.actor.roles, 'read');
    const limit = filters.limit ?? SEARCH_DEFAULT_LIMIT;
    const items: SubjectSummary[] = [];
    const reads: AccessRead[] = [];
    let after = filters.cursor === undefined ? undefined : cursorKey(filters.cursor, (field) => (source === 'query' ? `query.${field}` : field));
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

  private criteria(filters: SearchSubjectsDto, source: 'query' | 'body'): Omit<ProfileSearch, 'after' | 'limit'> {
    const at = (field: string) => (source === 'query' ? `query.${field}` : field);
    if (
      [
        filters.phone,
        filters.idNumber,
        filters.email,
        filters.name,
        filters.status,
        filters.customerNumber,
        filters.departmentId,
        filters.healthManagerId,
        filters.customerType,
        filters.tier,
        filters.tag,
        filters.lifecycleStage,
      ].every((filter) => filter === undefined)
    ) {
      throw invalid(source, 'give at least one of phone, idNumber, email, name, customerNumber, status, departmentId, healthManagerId, customerType, tier, tag or lifecycleStage');
    }
    const nameLength = filters.name === undefined ? undefined : [...nameSearchKey(filters.name)].length;
    if (nameLength !== undefined && nameLength < NAME_PREFIX_MIN) throw invalid(at('name'), `must have at least ${NAME_PREFIX_MIN} characters besides spaces`);
    if (nameLength !== undefined && nameLength > NAME_PREFIX_MAX) throw invalid(at('name'), `must have at most ${NAME_PREFIX_MAX} characters besides spaces`);
    return {
      ...(filters.phone === undefined ? {} : { phoneBidx: this.blindIndex('phone', filters.phone, at('phone')) }),
      ...(filters.email === undefined ? {} : { emailBidx: this.blindIndex('email', filters.email, at('email')) }),
      ...(filters.idNumber === undefined ? {} : { idNumberBidx: this.blindIndex('id_number', filters.idNumber, at('idNumber')) }),
      ...(filters.name === undefined ? {} : { namePrefix: filters.name }),
      ...(filters.status === undefined ? {} : { status: filters.status }),
      ...(filters.departmentId === undefined ? {} : { departmentId: filters.departmentId.toLowerCase() }),
      ...(filters.healthManagerId === undefined ? {} : { healthManagerId: filters.healthManagerId }),
      ...(filters.customerNumber === undefined ? {} : { customerNumber: parseCustomerNumber(filters.customerNumber, at('customerNumber')) }),
      ...(filters.customerType === undefined ? {} : { customerType: filters.customerType }),
      ...(filters.tier === undefined ? {} : { tier: filters.tier }),
      ...(filters.tag === undefined ? {} : { tagBidx: this.blindIndex('tag', filters.tag, at('tag')) }),
      ...(filters.lifecycleStage === undefined ? {} : { lifecycleStage: filters.lifecycleStage }),
    };
  }

  private blindIndex(kind: BlindIndexKind, value: string, path: string): string {
    try {
      return this.vault.blindIndex(kind, value);
    } catch (error) {
      if (error instanceof TypeError) throw invalid(path, 'must not be empty');
      throw error;
    }
  }
}

/** The categories a search reads by matching on them. */
function searchedCategories(filters: SearchSubjectsDto): Category[] {
  const categories = new Set<Category>();
  if (filters.phone !== undefined || filters.email !== undefined) categories.add('contact');
  if (filters.idNumber !== undefined) categories.add('identity_document');
  if (filters.name !== undefined) categories.add('identity');
  if (filters.customerType !== undefined || filters.tier !== undefined || filters.tag !== undefined) categories.add('customer_profile');
  return [...categories];
}

function cursorKey(cursor: string, at: (field: string) => string): string {
  const key = decodeCursor(cursor, 1);
  if (!key) throw invalid(at('cursor'), 'not a cursor this endpoint returned');
  return key[0];
}

function invalid(path: string, message: string): InvalidInput {
  return new InvalidInput([{ path, message }]);
}
