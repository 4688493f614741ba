import { DomainError } from '../domain-error';
import type { SubjectErrorCode } from './subject.errors';
import { purposeOf } from '../registry/registry.decider';
import { Category } from '../registry/categories';
import { RegistryState } from '../registry/registry.decider';
import { Purpose } from '../registry/registry.events';
import { ConsentState } from './subject.state';
import type { AssessmentErrorCode } from '../assessments/assessment.errors';

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
export function assertMayProcess(
  registry: RegistryState,
  subject: ProcessingContext,
  purposeId: string,
  categories: readonly Category[],
  options: { rightsRequest?: boolean } = {},
): Purpose {
  const purpose = options.rightsRequest ? knownPurpose(registry, purposeId) : admittedPurpose(registry, purposeId);
  const outside = categories.filter((category) => !purpose.categories.includes(category));
  if (outside.length > 0) {
    throw new DomainError<SubjectErrorCode>('category-not-in-purpose', `categories not within purpose ${purposeId}: ${outside.join(', ')}`, { purposeId, categories: outside });
  }
  assertNotRestricted(subject, purpose);
  if (purpose.legalBasis === 'consent') {
    const uncovered = categories.filter((category) => !lawfulConsent(subject, purposeId, category, false));
    if (
      uncovered.length > 0 ||
      (categories.length === 0 && !Object.values(subject.consents).some((c) => c.status === 'active' && c.purposeId === purposeId && counts(subject, c)))
    ) {
      refuseUnguarded(subject, purposeId, uncovered, false);
      throw new DomainError<SubjectErrorCode>('consent-required', `no active consent for ${purposeId} covers: ${uncovered.join(', ') || 'this purpose'}`, {
        purposeId,
        categories: uncovered,
      });
    }
  }
  const needSeparate = categories.filter((category) => isSensitive(registry, subject, category) && !lawfulConsent(subject, purposeId, category, true));
  if (needSeparate.length > 0) {
    refuseUnguarded(subject, purposeId, needSeparate, true);
    throw new DomainError<SubjectErrorCode>('separate-consent-required', `sensitive categories need a separate consent for ${purposeId}: ${needSeparate.join(', ')}`, {
      purposeId,
      categories: needSeparate,
    });
  }
  return purpose;
}

export function knownPurpose(registry: RegistryState, purposeId: string): Purpose {
  const purpose = purposeOf(registry, purposeId);
  if (!purpose) throw new DomainError<SubjectErrorCode>('unknown-purpose', `unknown purpose ${purposeId}`, { purposeId });
  return purpose;
}

/**
 * A purpose processing may go ahead under: known, and, when it requires an impact assessment
 * (PIPL Arts. 55–56), covered by an approved, unexpired one. Every read and write of PI is
 * admitted here (assertMayProcess, readableCategories), except a change a verified rights request
 * names: the subject's correction (Art. 46) does not wait for the handler's assessment.
 */
export function admittedPurpose(registry: RegistryState, purposeId: string): Purpose {
  const purpose = knownPurpose(registry, purposeId);
  if (purpose.requiresAssessment && !(registry.assessments?.[purposeId]?.length ?? 0)) {
    throw new DomainError<AssessmentErrorCode>('assessment-required', `purpose ${purposeId} needs an approved, unexpired impact assessment`, { purposeId });
  }
  return purpose;
}

/** Everything about a child under 14 is sensitive (PIPL Art. 28, GB/T 45574). */
export function isSensitive(registry: RegistryState, subject: Pick<ProcessingContext, 'minor'>, category: Category): boolean {
  return subject.minor || registry.sensitivity[category];
}

/**
 * Not a registry purpose: a restriction naming it is the subject's refusal of decisions made by
 * automated means (PIPL Art. 24), and restricts every purpose flagged `automatedDecisionMaking`,
 * those flagged later included.
 */
export const AUTOMATED_DECISIONS_ID = 'pipl:automated-decision-making';

function assertNotRestricted(subject: Pick<ProcessingContext, 'restrictions'>, purpose: Purpose): void {
  if (isRestricted(subject, purpose.id)) {
    throw new DomainError<SubjectErrorCode>('processing-restricted', `the subject has restricted processing for ${purpose.id}`, { purposeId: purpose.id });
  }
  if (purpose.automatedDecisionMaking && isRestricted(subject, AUTOMATED_DECISIONS_ID)) {
    throw new DomainError<SubjectErrorCode>('processing-restricted', `the subject refuses automated decisions, which ${purpose.id} makes (PIPL Art. 24)`, {
      purposeId: purpose.id,
      restriction: 'automated-decision-making',
    });
  }
}

export function isRestricted(subject: Pick<ProcessingContext, 'restrictions'>, purposeId: string): boolean {
  return Object.values(subject.restrictions).some((purposes) => purposes === null || purposes.includes(purposeId));
}

/** An active consent covering the category, whoever gave it (retention asks only whether one exists). */
export function activeConsent(subject: Pick<ProcessingContext, 'consents'>, purposeId: string, category: Category, separate: boolean): ConsentState | undefined {
  return Object.values(subject.consents).find((consent) => covers(consent, purposeId, category, separate));
}

/**
 * The consent that gives processing a basis: an active one covering the category that, for a child
 * under 14, a guardian gave (PIPL Art. 31). A subject whom a later birth date shows to be a child
 * keeps the consents given in their own name on record, but they stop counting until a guardian
 * consents: the correction that reveals the child is accepted (Art. 46), the child's data is not
 * processed on the child's own word.
 */
export function lawfulConsent(subject: Pick<ProcessingContext, 'consents' | 'minor'>, purposeId: string, category: Category, separate: boolean): ConsentState | undefined {
  return Object.values(subject.consents).find((consent) => covers(consent, purposeId, category, separate) && counts(subject, consent));
}

/** A lawful (lawfulConsent) separate consent for the purpose covering every one of the categories: what a disclosure needs (PIPL Art. 23). */
export function separateConsentCovering(subject: Pick<ProcessingContext, 'consents' | 'minor'>, purposeId: string, categories: readonly Category[]): ConsentState | undefined {
  return Object.values(subject.consents).find((consent) => categories.every((category) => covers(consent, purposeId, category, true)) && counts(subject, consent));
}

function covers(consent: ConsentState, purposeId: string, category: Category, separate: boolean): boolean {
  return consent.status === 'active' && consent.purposeId === purposeId && consent.categories.includes(category) && (!separate || consent.separate);
}

function counts(subject: Pick<ProcessingContext, 'minor'>, consent: ConsentState): boolean {
  return !subject.minor || consent.guardian;
}

/** Says why when what is missing is only a guardian: the consents exist, given by the child. */
function refuseUnguarded(subject: Pick<ProcessingContext, 'consents' | 'minor'>, purposeId: string, categories: readonly Category[], separate: boolean): void {
  if (!subject.minor) return;
  const unguarded = Object.values(subject.consents).filter(
    (consent) =>
      !consent.guardian &&
      (categories.length === 0 ? consent.status === 'active' && consent.purposeId === purposeId : categories.some((category) => covers(consent, purposeId, category, separate))),
  );
  if (unguarded.length === 0) return;
  throw new DomainError<SubjectErrorCode>('guardian-consent-required', `the subject is under 14: consents for ${purposeId} not given by a guardian do not count`, {
    purposeId,
    categories,
    consentIds: unguarded.map((consent) => consent.consentId),
  });
}

/**
 * Which held categories a reader acting for `purposeId` may see (PIPL Arts. 13, 44): those within
 * the purpose that still have a legal basis. Refuses outright when the purpose is restricted or
 * nothing held has a basis.
 */
export function readableCategories(registry: RegistryState, subject: ProcessingContext, purposeId: string, held: readonly Category[]): Category[] {
  const purpose = admittedPurpose(registry, purposeId);
  assertNotRestricted(subject, purpose);
  const lawfulUnder = (consentOf: (category: Category, separate: boolean) => ConsentState | undefined) =>
    held.filter(
      (category) =>
        purpose.categories.includes(category) &&
        (purpose.legalBasis !== 'consent' || consentOf(category, false)) &&
        (!isSensitive(registry, subject, category) || consentOf(category, true)),
    );
  const lawful = lawfulUnder((category, separate) => lawfulConsent(subject, purposeId, category, separate));
  if (lawful.length === 0) {
    if (subject.minor && lawfulUnder((category, separate) => activeConsent(subject, purposeId, category, separate)).length > 0) {
      // a read refused for want of a basis stays no-legal-basis (403, api-contract.md); the detail says what is missing
      throw new DomainError<SubjectErrorCode>('no-legal-basis', `the subject is under 14: consents for ${purposeId} not given by a guardian are no legal basis to read`, {
        purposeId,
        missing: 'guardian-consent',
      });
    }
    throw new DomainError<SubjectErrorCode>('no-legal-basis', `no legal basis to read this subject’s data for ${purposeId}`, { purposeId });
  }
  return lawful;
}
