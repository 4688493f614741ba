import type { JsonValue } from '@pi-ledger/event-store/event-store.port';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { type ConsentState, endsSubject } from '@pi-ledger/ledger-domain/subject/subject.state';
import type { ProcessingContext } from '@pi-ledger/ledger-domain/subject/processing-rules';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { type Assignment, UNASSIGNED } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { DEFAULT_LIFECYCLE_STAGE, type Lifecycle } from '@pi-ledger/ledger-domain/subject/lifecycle';

export type ProfileStatus = 'active' | 'restricted' | 'erased';

/** A consent as the profile keeps it: the guardian's name and relation stay in the log, sealed. */
export interface ProfileConsent {
  consentId: string;
  purposeId: string;
  categories: Category[];
  separate: boolean;
  guardian: boolean;
  status: 'active' | 'withdrawn';
  noticeVersion: string;
  channel: string;
  grantedAt: string;
  withdrawnAt?: string;
}

/** An active restriction; its free-text reason stays in the log, sealed. */
export interface ProfileRestriction {
  restrictionId: string;
  purposeIds: string[] | null;
  restrictedAt: string;
}

/** The current state of one subject with its values in clear. */
export interface SubjectProfileDocument {
  subjectId: string;
  /** The last stream version applied. */
  version: number;
  status: ProfileStatus;
  createdAt: string;
  updatedAt: string;
  data: Partial<Record<Category, Record<string, JsonValue>>>;
  consents: ProfileConsent[];
  restrictions: ProfileRestriction[];
  minor: boolean;
  /** The department and health manager the customer is assigned to (searchable, and what scopes who reaches it). */
  assignment: Assignment;
  /** The lifecycle stage and when it last changed (clear, like the assignment: lifecycle.ts). */
  lifecycle: Lifecycle;
}

/**
 * Every type of a subject's stream, checked against the union: the row's version is the stream's
 * version (the ETag), so the profile must see every event of the stream, even one it ignores.
 */
const HANDLED = {
  SubjectRegistered: true,
  DataCollected: true,
  DataUpdated: true,
  DataCorrected: true,
  DataSupplemented: true,
  DataItemAdded: true,
  ConsentGranted: true,
  ConsentWithdrawn: true,
  ProcessingRestricted: true,
  RestrictionLifted: true,
  DisclosedToThirdParty: true,
  SubjectAssigned: true,
  RelationshipEnded: true,
  LifecycleStageChanged: true,
  SubjectErased: true,
  SubjectMerged: true,
  SubjectMergedInto: true,
} as const satisfies Record<SubjectEvent['type'], true>;

export const SUBJECT_PROFILE_EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(HANDLED));

/**
 * Applies one decrypted event at `streamVersion`. Idempotent: an event at or below the version
 * already applied returns the document unchanged. Erasure drops every value; the row stays as a
 * tombstone so reads answer 410, not 404.
 */
export function evolveProfile(document: SubjectProfileDocument | null, event: SubjectEvent<JsonValue>, streamVersion: number): SubjectProfileDocument | null {
  if (document && streamVersion <= document.version) return document;
  if (event.type === 'SubjectRegistered') {
    if (document) return document;
    const at = event.data.registeredAt;
    return {
      subjectId: event.data.subjectId,
      version: streamVersion,
      status: 'active',
      createdAt: at,
      updatedAt: at,
      data: {},
      consents: [],
      restrictions: [],
      minor: event.data.minor,
      assignment: UNASSIGNED,
      lifecycle: { stage: DEFAULT_LIFECYCLE_STAGE, changedAt: null },
    };
  }
  if (!document) return null; // nothing is known of a subject before its registration
  if (document.status === 'erased') return { ...document, version: streamVersion };
  const next = change(document, event);
  return { ...next, version: streamVersion, status: next.status === 'erased' ? 'erased' : next.restrictions.length > 0 ? 'restricted' : 'active' };
}

function change(profile: SubjectProfileDocument, event: Exclude<SubjectEvent<JsonValue>, { type: 'SubjectRegistered' }>): SubjectProfileDocument {
  switch (event.type) {
    case 'DataCollected':
      return { ...withData(profile, event.data.category, { ...event.data.fields }), minor: event.data.minor ?? profile.minor, updatedAt: event.data.collectedAt };
    case 'DataUpdated':
    case 'DataCorrected':
    case 'DataSupplemented': {
      const fields = { ...(profile.data[event.data.category] ?? {}) };
      for (const [field, value] of Object.entries(event.data.set)) {
        if (value === null) delete fields[field];
        else fields[field] = value;
      }
      return { ...withData(profile, event.data.category, fields), minor: event.data.minor ?? profile.minor, updatedAt: event.data.changedAt };
    }
    case 'DataItemAdded': {
      const fields = { ...(profile.data[event.data.category] ?? {}) };
      const list = fields[event.data.field];
      fields[event.data.field] = [...(Array.isArray(list) ? list : []), event.data.item];
      return { ...withData(profile, event.data.category, fields), updatedAt: event.data.addedAt };
    }
    case 'ConsentGranted': {
      const { consentId, purposeId, categories, separate, noticeVersion, channel, guardian, grantedAt } = event.data;
      const consent: ProfileConsent = { consentId, purposeId, categories, separate, guardian: guardian !== undefined, status: 'active', noticeVersion, channel, grantedAt };
      return { ...profile, consents: [...profile.consents.filter((c) => c.consentId !== consentId), consent], updatedAt: grantedAt };
    }
    case 'ConsentWithdrawn': {
      const consents = profile.consents.map((c) => (c.consentId === event.data.consentId ? { ...c, status: 'withdrawn' as const, withdrawnAt: event.data.withdrawnAt } : c));
      return { ...profile, consents, updatedAt: event.data.withdrawnAt };
    }
    case 'ProcessingRestricted': {
      const { restrictionId, purposeIds, restrictedAt } = event.data;
      const restrictions = [...profile.restrictions.filter((r) => r.restrictionId !== restrictionId), { restrictionId, purposeIds, restrictedAt }];
      return { ...profile, restrictions, updatedAt: restrictedAt };
    }
    case 'RestrictionLifted':
      return { ...profile, restrictions: profile.restrictions.filter((r) => r.restrictionId !== event.data.restrictionId), updatedAt: event.data.liftedAt };
    case 'DisclosedToThirdParty':
      return { ...profile, updatedAt: event.data.disclosedAt };
    case 'SubjectAssigned':
      return { ...profile, assignment: { departmentId: event.data.departmentId, healthManagerId: event.data.healthManagerId }, updatedAt: event.data.assignedAt };
    case 'RelationshipEnded':
      return { ...profile, updatedAt: event.data.endedAt };
    case 'LifecycleStageChanged':
      return { ...profile, lifecycle: { stage: event.data.to, changedAt: event.data.changedAt }, updatedAt: event.data.changedAt };
    case 'SubjectMerged':
      return { ...profile, updatedAt: event.data.mergedAt };
    case 'SubjectMergedInto':
      // closed: its values go (its keys are shredded next); reads of its id answer with the survivor's from the stream
      return { ...profile, status: 'erased', data: {}, updatedAt: event.data.mergedAt };
    case 'SubjectErased': {
      if (endsSubject(Object.keys(profile.data), event.data)) return { ...profile, status: 'erased', data: {}, updatedAt: event.data.erasedAt };
      const data = { ...profile.data };
      for (const category of event.data.erasedCategories) delete data[category];
      return { ...profile, data, updatedAt: event.data.erasedAt };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function withData(profile: SubjectProfileDocument, category: Category, fields: Record<string, JsonValue>): SubjectProfileDocument {
  return { ...profile, data: { ...profile.data, [category]: fields } };
}

/** What the processing rules (readableCategories) need to know of the subject. */
export function processingContext(profile: Pick<SubjectProfileDocument, 'consents' | 'restrictions' | 'minor'>): ProcessingContext {
  const consents: Record<string, ConsentState> = {};
  for (const { channel: _channel, ...consent } of profile.consents) consents[consent.consentId] = consent;
  const restrictions = Object.fromEntries(profile.restrictions.map((r) => [r.restrictionId, r.purposeIds]));
  return { consents, restrictions, minor: profile.minor };
}

/** The categories the subject's file holds, in the order they were first collected. */
export function heldCategories(profile: Pick<SubjectProfileDocument, 'data'>): Category[] {
  return Object.keys(profile.data) as Category[];
}
