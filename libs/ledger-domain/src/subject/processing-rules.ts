import { DomainError } from '../domain-error';
import { purposeOf } from '../registry/registry.decider';
import { Category } from '../registry/categories';
import { RegistryState } from '../registry/registry.decider';
import { Purpose } from '../registry/registry.events';
import { ConsentState } from './subject.state';

/** What the rules need to know of a subject: its consents, restrictions and whether it is a minor. */
export interface ProcessingContext {
  consents: Record<string, ConsentState>;
  restrictions: Record<string, string[] | null>;
  minor: boolean;
}

/**
 * May `categories` be processed for `purposeId`? The one answer used for writes, disclosures and
 * reads (PIPL Arts. 13, 14, 28-31, 44). Throws the first rule broken, with its public code.
 */
export function assertMayProcess(registry: RegistryState, subject: ProcessingContext, purposeId: string, categories: readonly Category[]): Purpose {
  const purpose = knownPurpose(registry, purposeId);
  const outside = categories.filter((category) => !purpose.categories.includes(category));
  if (outside.length > 0) {
    throw new DomainError('category-not-in-purpose', `categories not within purpose ${purposeId}: ${outside.join(', ')}`, { purposeId, categories: outside });
  }
  if (isRestricted(subject, purposeId)) {
    throw new DomainError('processing-restricted', `the subject has restricted processing for ${purposeId}`, { purposeId });
  }
  if (purpose.legalBasis === 'consent') {
    const uncovered = categories.filter((category) => !activeConsent(subject, purposeId, category, false));
    if (uncovered.length > 0 || categories.length === 0 && !Object.values(subject.consents).some((c) => c.status === 'active' && c.purposeId === purposeId)) {
      throw new DomainError('consent-required', `no active consent for ${purposeId} covers: ${uncovered.join(', ') || 'this purpose'}`, { purposeId, categories: uncovered });
    }
  }
  const needSeparate = categories.filter((category) => isSensitive(registry, subject, category) && !activeConsent(subject, purposeId, category, true));
  if (needSeparate.length > 0) {
    throw new DomainError('separate-consent-required', `sensitive categories need a separate consent for ${purposeId}: ${needSeparate.join(', ')}`, {
      purposeId,
      categories: needSeparate,
    });
  }
  return purpose;
}

export function knownPurpose(registry: RegistryState, purposeId: string): Purpose {
  const purpose = purposeOf(registry, purposeId);
  if (!purpose) throw new DomainError('unknown-purpose', `unknown purpose ${purposeId}`, { purposeId });
  return purpose;
}

/** Everything about a child under 14 is sensitive (PIPL Art. 28, GB/T 45574). */
export function isSensitive(registry: RegistryState, subject: Pick<ProcessingContext, 'minor'>, category: Category): boolean {
  return subject.minor || registry.sensitivity[category];
}

export function isRestricted(subject: Pick<ProcessingContext, 'restrictions'>, purposeId: string): boolean {
  return Object.values(subject.restrictions).some((purposes) => purposes === null || purposes.includes(purposeId));
}

export function activeConsent(subject: Pick<ProcessingContext, 'consents'>, purposeId: string, category: Category, separate: boolean): ConsentState | undefined {
  return Object.values(subject.consents).find(
    (consent) => consent.status === 'active' && consent.purposeId === purposeId && consent.categories.includes(category) && (!separate || consent.separate),
  );
}

/**
 * Which held categories a reader acting for `purposeId` may see (PIPL Arts. 13, 44): those within
 * the purpose that still have a legal basis. Refuses outright when the purpose is restricted or
 * nothing held has a basis.
 */
export function readableCategories(registry: RegistryState, subject: ProcessingContext, purposeId: string, held: readonly Category[]): Category[] {
  const purpose = knownPurpose(registry, purposeId);
  if (isRestricted(subject, purposeId)) {
    throw new DomainError('processing-restricted', `the subject has restricted processing for ${purposeId}`, { purposeId });
  }
  const lawful = held.filter(
    (category) =>
      purpose.categories.includes(category) &&
      (purpose.legalBasis !== 'consent' || activeConsent(subject, purposeId, category, false)) &&
      (!isSensitive(registry, subject, category) || activeConsent(subject, purposeId, category, true)),
  );
  if (lawful.length === 0) {
    throw new DomainError('no-legal-basis', `no legal basis to read this subject’s data for ${purposeId}`, { purposeId });
  }
  return lawful;
}
