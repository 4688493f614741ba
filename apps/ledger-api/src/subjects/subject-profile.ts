import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { erasesWholeSubject } from '@pi-ledger/ledger-domain/subject/subject.state';

export interface ConsentView {
  consentId: string;
  purposeId: string;
  categories: string[];
  separate: boolean;
  status: 'active' | 'withdrawn';
  noticeVersion: string;
  channel: string;
  guardian?: unknown;
  grantedAt: string;
  withdrawnAt?: string;
}

export interface SubjectProfile {
  subjectId: string;
  version: number;
  status: 'active' | 'restricted' | 'erased';
  createdAt: string;
  updatedAt: string;
  data: Record<string, Record<string, unknown>>;
  consents: ConsentView[];
  restrictions: Array<{ restrictionId: string; purposeIds: string[] | null; restrictedAt: string }>;
}

/** The current state of a subject with its values, folded from decrypted events. */
export function foldProfile(events: Array<{ recorded: RecordedEvent; event: SubjectEvent }>): SubjectProfile | undefined {
  let profile: SubjectProfile | undefined;
  for (const { recorded, event } of events) {
    if (event.type === 'SubjectRegistered') {
      const at = event.data.registeredAt;
      profile = { subjectId: event.data.subjectId, version: 0, status: 'active', createdAt: at, updatedAt: at, data: {}, consents: [], restrictions: [] };
    }
    if (!profile) continue;
    profile.version = recorded.streamVersion;
    apply(profile, event);
    profile.status = profile.status === 'erased' ? 'erased' : profile.restrictions.length > 0 ? 'restricted' : 'active';
  }
  return profile;
}

function apply(profile: SubjectProfile, event: SubjectEvent): void {
  switch (event.type) {
    case 'SubjectRegistered':
      return;
    case 'DataCollected':
      profile.data[event.data.category] = { ...event.data.fields };
      return touch(profile, event.data.collectedAt);
    case 'DataUpdated':
    case 'DataCorrected':
    case 'DataSupplemented': {
      const fields = { ...(profile.data[event.data.category] ?? {}) };
      for (const [field, value] of Object.entries(event.data.set)) value === null ? delete fields[field] : (fields[field] = value);
      profile.data[event.data.category] = fields;
      return touch(profile, event.data.changedAt);
    }
    case 'DataItemAdded': {
      const fields = { ...(profile.data[event.data.category] ?? {}) };
      const list = Array.isArray(fields[event.data.field]) ? (fields[event.data.field] as unknown[]) : [];
      fields[event.data.field] = [...list, event.data.item];
      profile.data[event.data.category] = fields;
      return touch(profile, event.data.addedAt);
    }
    case 'ConsentGranted': {
      const { subjectId: _s, ...consent } = event.data;
      profile.consents.push({ ...consent, status: 'active' });
      return touch(profile, event.data.grantedAt);
    }
    case 'ConsentWithdrawn': {
      const consent = profile.consents.find((c) => c.consentId === event.data.consentId);
      if (consent) Object.assign(consent, { status: 'withdrawn', withdrawnAt: event.data.withdrawnAt });
      return touch(profile, event.data.withdrawnAt);
    }
    case 'ProcessingRestricted':
      profile.restrictions.push({ restrictionId: event.data.restrictionId, purposeIds: event.data.purposeIds, restrictedAt: event.data.restrictedAt });
      return touch(profile, event.data.restrictedAt);
    case 'RestrictionLifted':
      profile.restrictions = profile.restrictions.filter((r) => r.restrictionId !== event.data.restrictionId);
      return touch(profile, event.data.liftedAt);
    case 'DisclosedToThirdParty':
      return touch(profile, event.data.disclosedAt);
    case 'SubjectErased':
      if (erasesWholeSubject(Object.keys(profile.data), event.data)) profile.status = 'erased';
      for (const category of event.data.erasedCategories) delete profile.data[category];
      return touch(profile, event.data.erasedAt);
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function touch(profile: SubjectProfile, at: string): void {
  profile.updatedAt = at;
}
