import { DomainError, InvalidInput } from '../domain-error';
import type { SubjectErrorCode } from './subject.errors';
import { noticeOf } from '../registry/registry.decider';
import { Category } from '../registry/categories';
import { RegistryState } from '../registry/registry.decider';
import { ageInYears, isRealDate, residentIdBirthDate, residentIdProblem } from '../validation/resident-id';
import { assertMayProcess, AUTOMATED_DECISIONS_ID, isSensitive, knownPurpose, separateConsentCovering } from './processing-rules';
import { crossBorderProvision } from '../assessments/cross-border';
import { AgeFact, CHANGE_EVENT, ChangeReason, ConsentEvidence, ErasureGrounds, Guardian, Recipient, RelationshipEndReason, RetainedCategory, SubjectEvent } from './subject.events';
import { ConsentState, erasesWholeSubject, SubjectState } from './subject.state';
import { supersedeSingleContact } from './contact';
import { LIFECYCLE_TRANSITIONS, LifecycleStage } from './lifecycle';
import { decideMerge, MergeCommand } from './merge.decider';

/** The category whose purpose and consents cover the customer's classification and lifecycle stage. */
export const LIFECYCLE_CATEGORY: Category = 'customer_profile';

/** PIPL Art. 31: a child under 14 needs a guardian's consent. */
export const MINOR_AGE = 14;

/** The reason of the restriction to storage that categories kept under a legal hold get (PIPL Art. 47). */
export const LEGAL_HOLD_RESTRICTION_REASON = 'legal hold';

/** The reason of the restriction to storage once the relationship ended: what is kept is kept for its retention only (PIPL Art. 47, second paragraph). */
export const RELATIONSHIP_ENDED_RESTRICTION_REASON = 'relationship ended';

export interface ConsentRequest {
  consentId: string;
  purposeId: string;
  categories: Category[];
  separate: boolean;
  guardian?: Guardian;
  crossBorderCountries?: string[];
  evidence?: ConsentEvidence;
}

interface Context {
  now: string;
  registry: RegistryState;
}

/**
 * The rights request a change names (`rightsRequestId`), as its own stream stands when the change
 * is decided; null when there is no such request. Only what the rule needs: whose, what, how far.
 */
export interface NamedRightsRequest {
  subjectId: string;
  requestType: string;
  status: string;
}

/** The states in which a request's changes may be applied: verified (the identity is proven) or being fulfilled. */
const OPEN_FOR_CHANGES = ['verified', 'in_progress'];

export type SubjectCommand =
  | (Context & {
      type: 'RegisterSubject';
      subjectId: string;
      purposeId: string;
      noticeVersion: string;
      channel: string;
      consents: ConsentRequest[];
      data: Partial<Record<Category, Record<string, unknown>>>;
      /** From identity.birthDate or the ID number; unknown age is treated as adult. */
      ageYears?: number;
      /** Assign the new customer at once (a scoped registrant's own department: assignment-scope.ts). */
      assignTo?: { departmentId: string; healthManagerId: string | null };
      /** The first lifecycle stage, recorded when given (absent: active from the registration). */
      lifecycleStage?: LifecycleStage;
    })
  | (Context & {
      type: 'ChangeData';
      category: Category;
      set: Record<string, unknown>;
      reason: ChangeReason;
      purposeId: string;
      rightsRequestId?: string;
      /** Required with `rightsRequestId`: the request it names, or null when none exists. */
      rightsRequest?: NamedRightsRequest | null;
    })
  | (Context & { type: 'AddDataItem'; category: Category; field: string; item: unknown; purposeId: string })
  | (Context & ConsentRequest & { type: 'GrantConsent'; noticeVersion: string; channel: string })
  | (Context & { type: 'WithdrawConsent'; consentId: string; withdrawnBy: string })
  | (Context & { type: 'RestrictProcessing'; restrictionId: string; purposeIds?: string[]; reason: string })
  | (Context & { type: 'LiftRestriction'; restrictionId: string })
  | (Context & { type: 'AssignSubject'; departmentId: string; healthManagerId: string | null })
  | (Context & { type: 'ChangeLifecycleStage'; stage: LifecycleStage; purposeId: string })
  | (Context & { type: 'Disclose'; disclosureId: string; recipient: Recipient; purposeId: string; categories: Category[] })
  /** The centre's relationship with the customer ended: processing stops but for storage, each category kept for its retention after the end. */
  | (Context & { type: 'EndRelationship'; reason: RelationshipEndReason; restrictionId: string })
  | (Context & {
      type: 'Erase';
      requestId: string;
      /** Absent: every category the subject holds. */
      categories?: Category[];
      /**
       * Categories the subject holds records of in streams of their own (check-ups, service records,
       * follow-ups, orders, ...: the categories of its live data keys), which its file may not hold.
       * They count as held: erasable by name or with everything, and an erasure ends the subject only
       * when none of them is left either.
       */
      recordCategories?: Category[];
      /** On whose initiative and ground (PIPL Art. 47(1)); absent: not recorded. */
      grounds?: ErasureGrounds;
      /** Categories that legal holds in force keep for this subject, one entry per category. */
      holds: RetainedCategory[];
      /** Id of the restriction to storage appended when a hold keeps something. */
      restrictionId: string;
    })
  /** Another file of the same person merged into this one (merge.decider.ts). */
  | (MergeCommand & Context)
  /** This file, merged into `survivorId`, is closed with a pointer to it. */
  | (Context & { type: 'CloseMerged'; survivorId: string; purposeId: string });

type Live = Extract<SubjectState, { status: 'active' | 'restricted' }>;

export function decideSubject(command: SubjectCommand, state: SubjectState): SubjectEvent[] {
  if (command.type === 'RegisterSubject') return register(command, state);
  if (command.type === 'Erase' && state.status === 'erased') return []; // erasing twice changes nothing
  const live = requireLive(state);
  const subjectId = live.subjectId;
  switch (command.type) {
    case 'ChangeData': {
      // Judged as the subject stands before the change: a birth date showing a child is accepted on
      // the consents in force (the record must be true, Art. 46), and its age fact makes every later
      // decision treat the subject as a child; undoing that takes a guardian's consent.
      assertNamedRequest(command, subjectId);
      // a correction or supplement the subject asked for (Art. 46) is the handler's duty, assessed or not
      assertMayProcess(command.registry, live, command.purposeId, [command.category], { rightsRequest: command.rightsRequestId !== undefined });
      const age = ageFact(command, live);
      const held = live.held[command.category];
      assertDocumentNumber(command.category, held, command.set, 'set');
      const set = command.category === 'contact' ? contactSet(held ?? [], command.set) : command.set;
      if (!held) {
        const fields = Object.fromEntries(Object.entries(set).filter(([, value]) => value !== null));
        return [{ type: 'DataCollected', data: { subjectId, category: command.category, purposeId: command.purposeId, fields, ...age, collectedAt: command.now } }];
      }
      const { reason, rightsRequestId } = command;
      return [
        {
          type: CHANGE_EVENT[reason],
          data: {
            subjectId,
            category: command.category,
            purposeId: command.purposeId,
            reason,
            ...(rightsRequestId ? { rightsRequestId } : {}),
            set,
            ...age,
            changedAt: command.now,
          },
        },
      ];
    }
    case 'AddDataItem':
      assertMayProcess(command.registry, live, command.purposeId, [command.category]);
      return [
        { type: 'DataItemAdded', data: { subjectId, category: command.category, field: command.field, purposeId: command.purposeId, item: command.item, addedAt: command.now } },
      ];
    case 'GrantConsent':
      assertConsentable(command.registry, command, command.noticeVersion, live.minor, '');
      assertEvidence(command.evidence, command.now, 'evidence.givenOn');
      return [consentGranted(subjectId, command, command.noticeVersion, command.channel, command.now)];
    case 'WithdrawConsent': {
      const consent = requireConsent(live.consents, command.consentId);
      if (consent.status === 'withdrawn') return []; // withdrawing twice changes nothing
      return [
        { type: 'ConsentWithdrawn', data: { subjectId, consentId: consent.consentId, purposeId: consent.purposeId, withdrawnBy: command.withdrawnBy, withdrawnAt: command.now } },
      ];
    }
    case 'RestrictProcessing': {
      const purposeIds = command.purposeIds ?? null;
      // the refusal of automated decisions names no registry purpose: it reaches every purpose flagged so
      for (const purposeId of purposeIds ?? []) if (purposeId !== AUTOMATED_DECISIONS_ID) knownPurpose(command.registry, purposeId);
      return [{ type: 'ProcessingRestricted', data: { subjectId, restrictionId: command.restrictionId, purposeIds, reason: command.reason, restrictedAt: command.now } }];
    }
    case 'LiftRestriction':
      if (!(command.restrictionId in live.restrictions)) {
        throw new DomainError<SubjectErrorCode>('restriction-not-found', `no active restriction ${command.restrictionId}`, { restrictionId: command.restrictionId });
      }
      return [{ type: 'RestrictionLifted', data: { subjectId, restrictionId: command.restrictionId, liftedAt: command.now } }];
    case 'Disclose': {
      assertMayProcess(command.registry, live, command.purposeId, command.categories);
      // Provision to another handler needs a separate consent (PIPL Art. 23), sensitive or not; outside the mainland, one naming where (Art. 39)
      const { recipient: transferred, consent: crossBorderConsent } = crossBorderProvision(command.registry, live, command.purposeId, command.categories, command.recipient);
      const consent = crossBorderConsent ?? separateConsentCovering(live, command.purposeId, command.categories);
      if (!consent) {
        throw new DomainError<SubjectErrorCode>(
          'separate-consent-required',
          `disclosure for ${command.purposeId} needs a separate consent covering ${command.categories.join(', ')}`,
          {
            purposeId: command.purposeId,
            categories: command.categories,
          },
        );
      }
      const { disclosureId, purposeId, categories, now } = command;
      return [{ type: 'DisclosedToThirdParty', data: { subjectId, disclosureId, recipient: transferred, purposeId, categories, consentId: consent.consentId, disclosedAt: now } }];
    }
    case 'AssignSubject': {
      const { departmentId, healthManagerId } = command;
      if (live.assignment.departmentId === departmentId && live.assignment.healthManagerId === healthManagerId) return []; // assigned so already
      return [{ type: 'SubjectAssigned', data: { subjectId, departmentId, healthManagerId, assignedAt: command.now } }];
    }
    case 'EndRelationship': {
      if (live.relationshipEndedAt) return []; // ended once; a second end changes nothing
      const { restrictionId, now, registry } = command;
      return [
        { type: 'RelationshipEnded', data: { subjectId, reason: command.reason, endedAt: now } },
        ...decideSubject({ type: 'RestrictProcessing', restrictionId, reason: RELATIONSHIP_ENDED_RESTRICTION_REASON, now, registry }, live),
      ];
    }
    case 'ChangeLifecycleStage': {
      assertMayProcess(command.registry, live, command.purposeId, [LIFECYCLE_CATEGORY]);
      const from = live.lifecycle.stage;
      if (from === command.stage) return []; // at that stage already
      if (!LIFECYCLE_TRANSITIONS[from].includes(command.stage)) {
        throw new DomainError<SubjectErrorCode>('lifecycle-transition-not-allowed', `a ${from} customer cannot become ${command.stage}`, {
          from,
          to: command.stage,
          allowed: [...LIFECYCLE_TRANSITIONS[from]],
        });
      }
      return [{ type: 'LifecycleStageChanged', data: { subjectId, from, to: command.stage, purposeId: command.purposeId, changedAt: command.now } }];
    }
    case 'Erase':
      return erase(command, live);
    case 'MergeDuplicate':
      return decideMerge(command, live);
    case 'CloseMerged':
      return [{ type: 'SubjectMergedInto', data: { subjectId, survivorId: command.survivorId, purposeId: command.purposeId, mergedAt: command.now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function register(command: Extract<SubjectCommand, { type: 'RegisterSubject' }>, state: SubjectState): SubjectEvent[] {
  if (state.status !== 'absent') throw new DomainError<SubjectErrorCode>('subject-exists', `subject ${command.subjectId} already exists`, { subjectId: command.subjectId });
  const { subjectId, registry, now } = command;
  const purpose = knownPurpose(registry, command.purposeId);
  const notice = noticeOf(registry, command.noticeVersion);
  if (!notice) throw new DomainError<SubjectErrorCode>('unknown-notice', `unknown notice version ${command.noticeVersion}`, { noticeVersion: command.noticeVersion });
  const minor = command.ageYears !== undefined && command.ageYears < MINOR_AGE;
  command.consents.forEach((consent, index) => {
    assertConsentable(registry, consent, command.noticeVersion, minor, `consents[${index}]`);
    assertEvidence(consent.evidence, now, `consents[${index}].evidence.givenOn`);
  });
  if (command.data.identity_document) assertDocumentNumber('identity_document', undefined, command.data.identity_document, 'data.identity_document');
  if (minor && !command.consents.some((consent) => consent.purposeId === purpose.id && consent.guardian)) {
    throw new DomainError<SubjectErrorCode>('guardian-consent-required', 'a subject under 14 needs a guardian’s consent for the purpose of collection', { purposeId: purpose.id });
  }

  const granted = command.consents.map((consent) => consentGranted(subjectId, consent, command.noticeVersion, command.channel, now));
  const prospective = {
    minor,
    restrictions: {},
    consents: Object.fromEntries(granted.map((event) => [event.data.consentId, toConsentState(event)])),
  };
  const categories = Object.keys(command.data) as Category[];
  const stage = command.lifecycleStage;
  assertMayProcess(registry, prospective, purpose.id, stage && !categories.includes(LIFECYCLE_CATEGORY) ? [...categories, LIFECYCLE_CATEGORY] : categories);

  return [
    {
      type: 'SubjectRegistered',
      data: { subjectId, purposeId: purpose.id, legalBasis: purpose.legalBasis, noticeVersion: command.noticeVersion, channel: command.channel, minor, registeredAt: now },
    },
    ...granted,
    ...categories.map((category): SubjectEvent => ({
      type: 'DataCollected',
      data: { subjectId, category, purposeId: purpose.id, fields: command.data[category] ?? {}, collectedAt: now },
    })),
    ...(command.assignTo ? [{ type: 'SubjectAssigned' as const, data: { subjectId, ...command.assignTo, assignedAt: now } }] : []),
    ...(stage ? [{ type: 'LifecycleStageChanged' as const, data: { subjectId, from: null, to: stage, purposeId: purpose.id, changedAt: now } }] : []),
  ];
}

/**
 * PIPL Art. 47: the requested categories (all held ones by default) are erased, except those a
 * legal hold keeps. A subject holds the categories of its file and those of its records kept in
 * streams of their own (`recordCategories`). When nothing held is left untouched, the subject ends
 * (`whole`: evolveSubject) and what holds keep stays restricted to storage: a ProcessingRestricted
 * for every purpose, before the erasure, which ends the stream. Erasing some categories leaves the
 * subject live with the others (`whole: false`); the categories a hold keeps then simply stay.
 */
function erase(command: Extract<SubjectCommand, { type: 'Erase' }>, live: Live): SubjectEvent[] {
  const inFile = Object.keys(live.held) as Category[];
  const held = [...inFile, ...(command.recordCategories ?? []).filter((category) => !inFile.includes(category))];
  const requested = new Set(command.categories ?? held);
  const retained: RetainedCategory[] = [];
  for (const hold of command.holds) {
    if (requested.has(hold.category) && held.includes(hold.category) && !retained.some((kept) => kept.category === hold.category)) retained.push(hold);
  }
  const erasedCategories = held.filter((category) => requested.has(category) && !retained.some((kept) => kept.category === category));
  const { subjectId } = live;
  const whole = erasesWholeSubject(held, { erasedCategories, retained });
  const erased: SubjectEvent = {
    type: 'SubjectErased',
    data: { subjectId, erasedCategories, retained, requestId: command.requestId, whole, ...command.grounds, erasedAt: command.now },
  };
  if (retained.length === 0 || !whole) return [erased];
  const { now, registry, restrictionId } = command;
  return [...decideSubject({ type: 'RestrictProcessing', restrictionId, reason: LEGAL_HOLD_RESTRICTION_REASON, now, registry }, live), erased];
}

/**
 * The age fact (AgeFact) of a change that sets the birth date the under-14 rule reads, derived as
 * registration derives it: identity.birthDate, else a resident ID number's embedded date while no
 * birth date is held; aged at the command's time. Removing the birth date gives no fact, so the last
 * one stands: a missing date proves no adulthood and must not lift a child's protection.
 */
function ageFact(command: Extract<SubjectCommand, { type: 'ChangeData' }>, live: Live): AgeFact {
  const birthDate = changedBirthDate(command, live);
  return birthDate ? { minor: ageInYears(birthDate, new Date(command.now)) < MINOR_AGE } : {};
}

function changedBirthDate({ category, set }: Extract<SubjectCommand, { type: 'ChangeData' }>, live: Live): string | undefined {
  if (category === 'identity') return typeof set.birthDate === 'string' && isRealDate(set.birthDate) ? set.birthDate : undefined;
  if (category !== 'identity_document' || live.held.identity?.includes('birthDate')) return undefined;
  const { number, type } = set;
  if (typeof number !== 'string' || (type !== undefined && type !== 'resident_id') || residentIdProblem(number)) return undefined;
  return residentIdBirthDate(number);
}

/**
 * A change that names a rights request fulfils it (PIPL Art. 46): the request must exist, be this
 * subject's, be of the change's kind (a correction for a correction, a supplement for a
 * supplement), and be verified or in progress.
 */
function assertNamedRequest(command: Extract<SubjectCommand, { type: 'ChangeData' }>, subjectId: string): void {
  const { rightsRequestId, rightsRequest, reason } = command;
  if (rightsRequestId === undefined) return;
  const field = [{ path: 'rightsRequestId', message: '' }];
  const naming = (message: string) => ({ rightsRequestId, errors: field.map((problem) => ({ ...problem, message })) });
  if (!rightsRequest) {
    throw new DomainError<SubjectErrorCode>('rights-request-not-found', `no rights request ${rightsRequestId}`, naming('no such rights request'));
  }
  if (rightsRequest.subjectId !== subjectId) {
    throw new DomainError<SubjectErrorCode>('rights-request-mismatch', `rights request ${rightsRequestId} is another subject's`, naming('is a request of another subject'));
  }
  if (rightsRequest.requestType !== reason) {
    throw new DomainError<SubjectErrorCode>(
      'rights-request-mismatch',
      `rights request ${rightsRequestId} is a ${rightsRequest.requestType} request; a change made with reason "${reason}" cannot fulfil it`,
      { ...naming(`is a ${rightsRequest.requestType} request, not a ${reason}`), requestType: rightsRequest.requestType },
    );
  }
  if (!OPEN_FOR_CHANGES.includes(rightsRequest.status)) {
    throw new DomainError<SubjectErrorCode>('rights-request-not-open', `rights request ${rightsRequestId} is ${rightsRequest.status}`, {
      ...naming(`is ${rightsRequest.status}; it must be verified or in progress`),
      status: rightsRequest.status,
    });
  }
}

/** A change of contact: the lists replace an older file's single phone and address (contact.ts). */
function contactSet(held: readonly string[], set: Record<string, unknown>): Record<string, unknown> {
  const superseded = supersedeSingleContact(held, set);
  if (superseded.problem) throw new InvalidInput([{ path: `set.${superseded.problem.field}`, message: superseded.problem.message }]);
  return superseded.set;
}

/**
 * An identity document is recorded with its number: a document without one identifies nobody and
 * cannot be checked for duplicates. Collecting the category needs a number; removing the number
 * while the category is kept is refused (erase the category instead).
 */
function assertDocumentNumber(category: Category, held: readonly string[] | undefined, fields: Record<string, unknown>, path: string): void {
  if (category !== 'identity_document') return;
  const after = new Set(held ?? []);
  for (const [field, value] of Object.entries(fields)) value === null ? after.delete(field) : after.add(field);
  if (after.size > 0 && !after.has('number')) throw new InvalidInput([{ path: `${path}.number`, message: 'required: an identity document is recorded with its number' }]);
}

/** A consent's evidence is dated on a real day no later than the decision's (China time, UTC+8). */
function assertEvidence(evidence: ConsentEvidence | undefined, now: string, path: string): void {
  if (!evidence) return;
  const today = new Date(Date.parse(now) + 8 * 3600_000).toISOString().slice(0, 10);
  if (!isRealDate(evidence.givenOn) || evidence.givenOn > today) throw new InvalidInput([{ path, message: 'must be a real date (YYYY-MM-DD) not after today' }]);
}

function assertConsentable(registry: RegistryState, consent: ConsentRequest, noticeVersion: string, minor: boolean, path: string): void {
  const purpose = knownPurpose(registry, consent.purposeId);
  const notice = noticeOf(registry, noticeVersion);
  if (!notice) throw new DomainError<SubjectErrorCode>('unknown-notice', `unknown notice version ${noticeVersion}`, { noticeVersion });
  if (!notice.purposeIds.includes(purpose.id)) {
    throw new DomainError<SubjectErrorCode>('notice-does-not-cover-purpose', `notice ${noticeVersion} does not describe purpose ${purpose.id}`, {
      noticeVersion,
      purposeId: purpose.id,
    });
  }
  const outside = consent.categories.filter((category) => !purpose.categories.includes(category));
  if (outside.length > 0) {
    throw new DomainError<SubjectErrorCode>('category-not-in-purpose', `categories not within purpose ${purpose.id}: ${outside.join(', ')}`, {
      purposeId: purpose.id,
      categories: outside,
    });
  }
  if (minor && !consent.guardian) {
    throw new DomainError<SubjectErrorCode>('guardian-consent-required', 'a subject under 14 can consent only through a guardian', { purposeId: purpose.id });
  }
  // PIPL Art. 39: provision outside the mainland takes a separate consent
  if (consent.crossBorderCountries?.length && !consent.separate) {
    throw new DomainError<SubjectErrorCode>('separate-consent-required', 'a consent to provision outside the mainland must be separate', { purposeId: purpose.id, categories: [] });
  }
  // PIPL Art. 29: sensitive PI is processed on a separate consent; a general one would be recorded and never count
  const sensitive = consent.categories.filter((category) => isSensitive(registry, { minor }, category));
  if (sensitive.length > 0 && !consent.separate) {
    throw new DomainError<SubjectErrorCode>('separate-consent-required', `a consent covering sensitive categories must be separate: ${sensitive.join(', ')}`, {
      purposeId: purpose.id,
      categories: sensitive,
      errors: [{ path: path ? `${path}.separate` : 'separate', message: `must be true: ${sensitive.join(', ')} ${sensitive.length > 1 ? 'are' : 'is'} sensitive` }],
    });
  }
}

function consentGranted(subjectId: string, consent: ConsentRequest, noticeVersion: string, channel: string, now: string): Extract<SubjectEvent, { type: 'ConsentGranted' }> {
  const { consentId, purposeId, categories, separate, guardian, crossBorderCountries, evidence } = consent;
  return {
    type: 'ConsentGranted',
    data: {
      subjectId,
      consentId,
      purposeId,
      categories,
      separate,
      noticeVersion,
      channel,
      ...(guardian ? { guardian } : {}),
      ...(crossBorderCountries?.length ? { crossBorderCountries: [...crossBorderCountries] } : {}),
      ...(evidence ? { evidence: { ...evidence } } : {}),
      grantedAt: now,
    },
  };
}

function toConsentState({ data }: Extract<SubjectEvent, { type: 'ConsentGranted' }>): ConsentState {
  return {
    consentId: data.consentId,
    purposeId: data.purposeId,
    categories: data.categories,
    separate: data.separate,
    noticeVersion: data.noticeVersion,
    guardian: data.guardian !== undefined,
    ...(data.crossBorderCountries ? { crossBorderCountries: data.crossBorderCountries } : {}),
    status: 'active',
    grantedAt: data.grantedAt,
  };
}

function requireLive(state: SubjectState): Live {
  if (state.status === 'absent') throw new DomainError<SubjectErrorCode>('subject-not-found', 'no such subject');
  if (state.status === 'erased') throw new DomainError<SubjectErrorCode>('subject-erased', `subject ${state.subjectId} was erased`, { subjectId: state.subjectId });
  if (state.status === 'merged') throw subjectMerged(state.subjectId, state.mergedInto);
  return state;
}

function requireConsent(consents: Record<string, ConsentState>, consentId: string): ConsentState {
  const consent = consents[consentId];
  if (!consent) throw new DomainError<SubjectErrorCode>('consent-not-found', `no consent ${consentId}`, { consentId });
  return consent;
}

/** A merged file's id used: the answer names the survivor (`mergedInto`), for reads and writes alike. */
export function subjectMerged(subjectId: string, mergedInto: string): DomainError<SubjectErrorCode> {
  return new DomainError<SubjectErrorCode>('subject-merged', `subject ${subjectId} was merged into ${mergedInto}`, { subjectId, mergedInto });
}
