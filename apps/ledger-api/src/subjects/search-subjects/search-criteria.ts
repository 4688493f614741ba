import { Inject, Injectable } from '@nestjs/common';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { readableCategories } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { Reacher, reachOf } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { parseCustomerNumber } from '@pi-ledger/ledger-domain/customer-number/customer-number';
import { BlindIndexKind, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { processingContext, SubjectProfileDocument } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.document';
import { ProfileSearch } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { NAME_PREFIX_MAX, NAME_PREFIX_MIN, nameSearchKey } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.row';
import { SearchFiltersDto } from './search-subjects.dto';

export type SearchConditions = Omit<ProfileSearch, 'after' | 'limit'>;

/** Where a 400 points: `whole` when no condition was given, `at(field)` for one of them. */
export interface FilterPaths {
  whole: string;
  at: (field: string) => string;
}

/**
 * The conditions of a customer search, shared by the search (GET /v1/subjects, POST
 * /v1/subjects/search) and the bulk export (POST /v1/exports): blind indexes of the values looked
 * for, name prefixes, classification and assignment, and the caller's reach.
 */
@Injectable()
export class SearchCriteria {
  constructor(@Inject(PII_VAULT) private readonly vault: PiiVault) {}

  /**
   * The read model's conditions for the filters, narrowed to the customers the caller reaches:
   * health managers and customer service find only theirs (filtered, never refused).
   */
  conditions(filters: SearchFiltersDto, actor: Reacher, paths: FilterPaths): SearchConditions {
    const reach = reachOf(actor);
    return { ...this.criteria(filters, paths), ...(reach.kind === 'assigned' ? { reach } : {}) };
  }

  private criteria(filters: SearchFiltersDto, { whole, at }: FilterPaths): SearchConditions {
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
      throw invalid(whole, 'give at least one of phone, idNumber, email, name, customerNumber, status, departmentId, healthManagerId, customerType, tier, tag or lifecycleStage');
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
export function searchedCategories(filters: SearchFiltersDto): Category[] {
  const categories = new Set<Category>();
  if (filters.phone !== undefined || filters.email !== undefined) categories.add('contact');
  if (filters.idNumber !== undefined) categories.add('identity_document');
  if (filters.name !== undefined) categories.add('identity');
  if (filters.customerType !== undefined || filters.tier !== undefined || filters.tag !== undefined) categories.add('customer_profile');
  return [...categories];
}

/**
 * What a found customer shows: of the categories it holds, those the purpose has a basis for and
 * the caller's roles may read (`permitted`). Undefined when the customer is left out: the purpose
 * gives no basis to read it (restricted, consent withdrawn, nothing lawful held), or none for a
 * category searched by (finding someone by ID number reads their ID number).
 */
export function foundCategories(
  registry: RegistryState,
  purposeId: string,
  subject: Pick<SubjectProfileDocument, 'consents' | 'restrictions' | 'minor'> & { categories: readonly Category[] },
  searchedBy: readonly Category[],
  permitted: readonly Category[],
): Category[] | undefined {
  let visible: Category[];
  try {
    visible = readableCategories(registry, processingContext(subject), purposeId, subject.categories).filter((category) => permitted.includes(category));
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
  return searchedBy.every((category) => visible.includes(category)) ? visible : undefined;
}

function invalid(path: string, message: string): InvalidInput {
  return new InvalidInput([{ path, message }]);
}
