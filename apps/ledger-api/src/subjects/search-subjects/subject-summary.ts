import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import type { Assignment } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import type { Lifecycle } from '@pi-ledger/ledger-domain/subject/lifecycle';
import type { ProfileMatch } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { maskPhone } from '../read-subject/masking';
import { foundCategories } from './search-criteria';

export interface SubjectSummary {
  subjectId: string;
  customerNumber?: string | null;
  name?: string;
  /** Always masked. */
  phone?: string;
  status: string;
  updatedAt: string;
  assignment: Assignment;
  lifecycle: Lifecycle;
  /** customer_profile's classification, where the caller may read that category. */
  customerType?: string;
  tier?: string;
  tags?: string[];
}

/** A summary as shown, the categories it shows (for the access record) and every category the purpose and roles let the caller read of this customer. */
export interface ShownSummary {
  summary: SubjectSummary;
  categories: Category[];
  visible: Category[];
}

/**
 * The masked summary of a customer found by a search or a query, or undefined when the purpose gives
 * no basis to read it or to read the categories it was found by (`searchedBy`): finding someone by a
 * category reads it.
 */
export function maskedSummary(registry: RegistryState, purposeId: string, match: ProfileMatch, searchedBy: Category[], permitted: Category[]): ShownSummary | undefined {
  // what the purpose may read of this subject, and of that only what the caller's roles may read
  const visible = foundCategories(registry, purposeId, match, searchedBy, permitted);
  if (!visible) return undefined;
  const name = visible.includes('identity') && typeof match.name === 'string' ? match.name : undefined;
  const phone = visible.includes('contact') && typeof match.phone === 'string' ? maskPhone(match.phone) : undefined;
  const { customerType, tier, tags } = (visible.includes('customer_profile') && match.customerProfile) || {};
  const classification = {
    ...(typeof customerType === 'string' ? { customerType } : {}),
    ...(typeof tier === 'string' ? { tier } : {}),
    ...(Array.isArray(tags) ? { tags: tags.filter((tag): tag is string => typeof tag === 'string') } : {}),
  };
  const categories: Category[] = [
    ...(name === undefined ? [] : ['identity' as const]),
    ...(phone === undefined ? [] : ['contact' as const]),
    ...(Object.keys(classification).length === 0 ? [] : ['customer_profile' as const]),
  ];
  return {
    summary: {
      subjectId: match.subjectId,
      ...(name === undefined ? {} : { name }),
      ...(phone === undefined ? {} : { phone }),
      status: match.status,
      updatedAt: match.updatedAt,
      assignment: match.assignment,
      lifecycle: match.lifecycle,
      ...classification,
    },
    categories,
    visible,
  };
}
