import { Category } from '../registry/categories';
import { Assignment, UNASSIGNED } from '../assignment/assignment-scope';
import { SubjectEvent } from './subject.events';
import { DEFAULT_LIFECYCLE_STAGE, Lifecycle } from './lifecycle';

export interface ConsentState {
  consentId: string;
  purposeId: string;
  categories: Category[];
  separate: boolean;
  noticeVersion: string;
  guardian: boolean;
  crossBorderCountries?: string[];
  status: 'active' | 'withdrawn';
  grantedAt: string;
  withdrawnAt?: string;
}

interface Live {
  subjectId: string;
  createdAt: string;
  updatedAt: string;
  /**
   * Under 14 as of the last age fact: SubjectRegistered's, then that of any data event that set the
   * birth date (AgeFact). The birth date itself stays sealed; the decider derives the fact from the
   * command's value at the command's time.
   */
  minor: boolean;
  /** Field names held per category (values stay sealed; decisions never need them). */
  held: Partial<Record<Category, string[]>>;
  consents: Record<string, ConsentState>;
  /** Active restrictions: purposes restricted, or null for all processing but storage. */
  restrictions: Record<string, string[] | null>;
  /** The department and health manager the customer is assigned to (who may reach it: assignment-scope.ts). */
  assignment: Assignment;
  /** When the centre's relationship with the customer ended (RelationshipEnded); absent while it lasts. */
  relationshipEndedAt?: string;
  lifecycle: Lifecycle;
}

export type SubjectState =
  | { status: 'absent' }
  | ({ status: 'active' | 'restricted' } & Live)
  | { status: 'erased'; subjectId: string; erasedAt: string; retained: Category[]; consents: Record<string, ConsentState> }
  /** Merged into another file (SubjectMergedInto): closed, pointing at the survivor. */
  | { status: 'merged'; subjectId: string; mergedInto: string; mergedAt: string };

export const initialSubjectState = (): SubjectState => ({ status: 'absent' });

/**
 * An erasure ends the subject when every category it holds is erased or kept under a legal hold;
 * one that leaves a held category untouched erases only its categories and the subject lives on.
 */
export function erasesWholeSubject(held: readonly string[], erasure: { erasedCategories: readonly string[]; retained: ReadonlyArray<{ category: string }> }): boolean {
  const gone = new Set<string>([...erasure.erasedCategories, ...erasure.retained.map((kept) => kept.category)]);
  return held.every((category) => gone.has(category));
}

/**
 * Whether a SubjectErased ended the subject: as it says (`whole`), or, for erasures recorded
 * before it said so, when it left none of the file's categories untouched.
 */
export function endsSubject(held: readonly string[], erasure: { erasedCategories: readonly string[]; retained: ReadonlyArray<{ category: string }>; whole?: boolean }): boolean {
  return erasure.whole ?? erasesWholeSubject(held, erasure);
}

export function evolveSubject(state: SubjectState, event: SubjectEvent): SubjectState {
  if (event.type === 'SubjectRegistered') {
    const { subjectId, registeredAt, minor } = event.data;
    return {
      status: 'active',
      subjectId,
      createdAt: registeredAt,
      updatedAt: registeredAt,
      minor,
      held: {},
      consents: {},
      restrictions: {},
      assignment: UNASSIGNED,
      lifecycle: { stage: DEFAULT_LIFECYCLE_STAGE, changedAt: null },
    };
  }
  if (state.status === 'absent' || state.status === 'merged') return state; // a merged file is closed
  if (event.type === 'SubjectErased') {
    if (state.status !== 'erased' && !endsSubject(Object.keys(state.held), event.data)) {
      const held = { ...state.held };
      for (const category of event.data.erasedCategories) delete held[category];
      return withStatus(touch({ ...state, held }, event.data.erasedAt));
    }
    return { status: 'erased', subjectId: state.subjectId, erasedAt: event.data.erasedAt, retained: event.data.retained.map((r) => r.category), consents: state.consents };
  }
  if (state.status === 'erased') return state;
  if (event.type === 'SubjectMergedInto') return { status: 'merged', subjectId: state.subjectId, mergedInto: event.data.survivorId, mergedAt: event.data.mergedAt };
  return withStatus(evolveLive(state, event));
}

function evolveLive(state: Live, event: Exclude<SubjectEvent, { type: 'SubjectRegistered' | 'SubjectErased' | 'SubjectMergedInto' }>): Live {
  switch (event.type) {
    case 'DataCollected':
      return touch({ ...state, minor: event.data.minor ?? state.minor, held: { ...state.held, [event.data.category]: Object.keys(event.data.fields) } }, event.data.collectedAt);
    case 'DataUpdated':
    case 'DataCorrected':
    case 'DataSupplemented': {
      const fields = new Set(state.held[event.data.category] ?? []);
      for (const [field, value] of Object.entries(event.data.set)) value === null ? fields.delete(field) : fields.add(field);
      return touch({ ...state, minor: event.data.minor ?? state.minor, held: { ...state.held, [event.data.category]: [...fields] } }, event.data.changedAt);
    }
    case 'DataItemAdded': {
      const fields = new Set(state.held[event.data.category] ?? []).add(event.data.field);
      return touch({ ...state, held: { ...state.held, [event.data.category]: [...fields] } }, event.data.addedAt);
    }
    case 'ConsentGranted': {
      const { consentId, purposeId, categories, separate, noticeVersion, guardian, crossBorderCountries, grantedAt } = event.data;
      const consent: ConsentState = {
        consentId,
        purposeId,
        categories,
        separate,
        noticeVersion,
        guardian: guardian !== undefined,
        ...(crossBorderCountries ? { crossBorderCountries } : {}),
        status: 'active',
        grantedAt,
      };
      return touch({ ...state, consents: { ...state.consents, [consentId]: consent } }, grantedAt);
    }
    case 'ConsentWithdrawn': {
      const consent = state.consents[event.data.consentId];
      if (!consent) return state;
      const withdrawn = { ...consent, status: 'withdrawn' as const, withdrawnAt: event.data.withdrawnAt };
      return touch({ ...state, consents: { ...state.consents, [consent.consentId]: withdrawn } }, event.data.withdrawnAt);
    }
    case 'ProcessingRestricted':
      return touch({ ...state, restrictions: { ...state.restrictions, [event.data.restrictionId]: event.data.purposeIds } }, event.data.restrictedAt);
    case 'RestrictionLifted': {
      const { [event.data.restrictionId]: _lifted, ...rest } = state.restrictions;
      return touch({ ...state, restrictions: rest }, event.data.liftedAt);
    }
    case 'DisclosedToThirdParty':
      return touch(state, event.data.disclosedAt);
    case 'RelationshipEnded':
      return touch({ ...state, relationshipEndedAt: state.relationshipEndedAt ?? event.data.endedAt }, event.data.endedAt);
    case 'SubjectAssigned':
      return touch({ ...state, assignment: { departmentId: event.data.departmentId, healthManagerId: event.data.healthManagerId } }, event.data.assignedAt);
    case 'LifecycleStageChanged':
      return touch({ ...state, lifecycle: { stage: event.data.to, changedAt: event.data.changedAt } }, event.data.changedAt);
    case 'SubjectMerged':
      return touch(state, event.data.mergedAt);
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function touch(state: Live, at: string): Live {
  return { ...state, updatedAt: at };
}

function withStatus(live: Live): SubjectState {
  return { ...live, status: Object.keys(live.restrictions).length > 0 ? 'restricted' : 'active' };
}
