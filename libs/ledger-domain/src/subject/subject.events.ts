import { LegalBasis } from '../legal-basis';
import { Category } from '../registry/categories';
import type { LifecycleStage } from './lifecycle';

export type ChangeReason = 'update' | 'correction' | 'supplement';
export const CHANGE_EVENT = { update: 'DataUpdated', correction: 'DataCorrected', supplement: 'DataSupplemented' } as const;

export interface Guardian {
  name: string;
  relation: string;
}

export interface Recipient {
  name: string;
  contact: string;
  /** Where the recipient processes the data (ISO 3166-1 alpha-2); absent or CN: the mainland. */
  country?: string;
  /** Provision outside the mainland (PIPL Arts. 38–39): the legal mechanism, and the assessment that covered it. */
  transfer?: CrossBorderTransfer;
}

/** PIPL Art. 38 and the 2024 Provisions on Promoting and Regulating Cross-Border Data Flows (exemptions). */
export const TRANSFER_MECHANISMS = ['security-assessment', 'certification', 'standard-contract', 'exemption'] as const;
export interface CrossBorderTransfer {
  mechanism: (typeof TRANSFER_MECHANISMS)[number];
  /** The assessment's approval number, the certificate, the contract's filing number, or the exemption's provision. */
  reference: string;
  assessmentId?: string;
}

/** Clear, non-PI facts of a consent given on paper or elsewhere before the ledger recorded it. */
export interface ConsentEvidence {
  /** YYYY-MM-DD, China time. */
  givenOn: string;
  channel?: string;
  /** The signed form's or the source system's reference, never a person's data. */
  reference?: string;
}

export interface RetainedCategory {
  category: Category;
  basis: string;
  until: string;
}

/**
 * Why the centre's relationship with the customer ended (PIPL Art. 47(1)(1)–(2)): the customer
 * left or the services stopped, or the purpose of processing was fulfilled.
 */
export const RELATIONSHIP_END_REASONS = ['relationship-ended', 'purpose-fulfilled'] as const;
export type RelationshipEndReason = (typeof RELATIONSHIP_END_REASONS)[number];

/**
 * On whose initiative, and on which ground of PIPL Art. 47(1), an erasure was made: the subject's
 * request or withdrawal, or the handler's own duty to erase (retention expired, relationship
 * ended, purpose fulfilled). Recorded on SubjectErased and in its certificate.
 */
export const ERASURE_GROUNDS = ['subject-request', 'consent-withdrawn', 'retention-expired', ...RELATIONSHIP_END_REASONS] as const;
export type ErasureGround = (typeof ERASURE_GROUNDS)[number];
export interface ErasureGrounds {
  initiative: 'subject' | 'handler';
  ground: ErasureGround;
}

/**
 * A clear, non-PI fact like SubjectRegistered.minor, carried by the data events of a change that sets
 * the birth date the under-14 rule reads (identity.birthDate, or a resident ID number's while no
 * birth date is held): whether the subject is under 14 at the event's time (PIPL Art. 31). Absent:
 * the event says nothing about age. Optional, so events written before it need no upcaster.
 */
export interface AgeFact {
  minor?: boolean;
}

/** On a data event a merge appended: the merged file its values came from (SubjectMerged). Optional, so older events need no upcaster. */
export interface MergedFrom {
  mergedFrom?: string;
}

/**
 * Events of one data subject's stream (`subject-<id>`). `V` is how a PI value travels: plaintext
 * between the decider and the handler, an encrypted envelope in the event store. Everything not
 * typed `V` is a clear, non-PI fact: ids, categories, field names, purposes, times.
 */
export type SubjectEvent<V = unknown> =
  | {
      type: 'SubjectRegistered';
      data: { subjectId: string; purposeId: string; legalBasis: LegalBasis; noticeVersion: string; channel: string; minor: boolean; registeredAt: string };
    }
  | { type: 'DataCollected'; data: AgeFact & MergedFrom & { subjectId: string; category: Category; purposeId: string; fields: Record<string, V>; collectedAt: string } }
  | {
      type: 'DataUpdated' | 'DataCorrected' | 'DataSupplemented';
      data: AgeFact &
        MergedFrom & {
          subjectId: string;
          category: Category;
          purposeId: string;
          reason: ChangeReason;
          rightsRequestId?: string;
          set: Record<string, V | null>;
          changedAt: string;
        };
    }
  | { type: 'DataItemAdded'; data: { subjectId: string; category: Category; field: string; purposeId: string; item: V; addedAt: string } }
  | {
      type: 'ConsentGranted';
      data: {
        subjectId: string;
        consentId: string;
        purposeId: string;
        categories: Category[];
        separate: boolean;
        noticeVersion: string;
        channel: string;
        guardian?: V;
        /** A separate consent to provision outside the mainland names where (PIPL Art. 39). */
        crossBorderCountries?: string[];
        /** Consent given before it was recorded (a signed form brought in by an import): when, how and the form's reference. */
        evidence?: ConsentEvidence;
        grantedAt: string;
      };
    }
  | { type: 'ConsentWithdrawn'; data: { subjectId: string; consentId: string; purposeId: string; withdrawnBy: string; withdrawnAt: string } }
  | { type: 'ProcessingRestricted'; data: { subjectId: string; restrictionId: string; purposeIds: string[] | null; reason: V; restrictedAt: string } }
  | { type: 'RestrictionLifted'; data: { subjectId: string; restrictionId: string; liftedAt: string } }
  | {
      type: 'DisclosedToThirdParty';
      data: { subjectId: string; disclosureId: string; recipient: Recipient; purposeId: string; categories: Category[]; consentId: string; disclosedAt: string };
    }
  | { type: 'SubjectAssigned'; data: { subjectId: string; departmentId: string; healthManagerId: string | null; assignedAt: string } }
  /** The centre's relationship with the customer ended: from then on each category is kept only for its retention after the end (registry). */
  | { type: 'RelationshipEnded'; data: { subjectId: string; reason: RelationshipEndReason; endedAt: string } }
  /** A move of the customer's lifecycle stage (lifecycle.ts); `from` null: the first stage recorded at registration. */
  | { type: 'LifecycleStageChanged'; data: { subjectId: string; from: LifecycleStage | null; to: LifecycleStage; purposeId: string; changedAt: string } }
  /**
   * Another file of the same person was merged into this one (merge.decider.ts): its chosen values, active
   * consents, restrictions and disclosures follow as events of their own; this event closes them. Clear: ids,
   * category and field names, which side each field was taken from.
   */
  | { type: 'SubjectMerged'; data: { subjectId: string; duplicateId: string; purposeId: string; taken: MergeTaken; carried: MergeCarried; mergedAt: string } }
  /** This file was merged into `survivorId` and is closed: reads answer with the survivor's id, writes are refused, its keys are shredded. */
  | { type: 'SubjectMergedInto'; data: { subjectId: string; survivorId: string; purposeId: string; mergedAt: string } }
  | {
      type: 'SubjectErased';
      /**
       * `whole`: true when the subject ended (everything it held, in its file and in record streams of
       * its own, erased or kept under a hold), false when it lives on; absent on erasures recorded
       * before it existed (then computed from the file: endsSubject). `initiative`/`ground`: absent
       * on erasures recorded before them.
       */
      data: Partial<ErasureGrounds> & { subjectId: string; erasedCategories: Category[]; retained: RetainedCategory[]; requestId?: string; whole?: boolean; erasedAt: string };
    };

/** Per category, the fields whose value the merge took from the duplicate, and those of the duplicate it dropped (the survivor's won). */
export type MergeTaken = Partial<Record<Category, { fromDuplicate: string[]; dropped: string[] }>>;

/** The duplicate's consents, restrictions and disclosures carried onto the survivor, by id (kept). */
export interface MergeCarried {
  consentIds: string[];
  restrictionIds: string[];
  disclosureIds: string[];
}

export type SubjectEventType = SubjectEvent['type'];

export const subjectStream = (subjectId: string) => `subject-${subjectId}`;
