import type { RecordedEnvelope } from '@pi-ledger/event-store/event-store.port';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';

/**
 * One change to a subject's file, field by field (PIPL Arts. 46, 54): for data events one entry per
 * field with the new value and the value it replaced; for consents, withdrawals, restrictions,
 * disclosures and erasure one entry with `category` and `field` null and the event's non-PI facts
 * as `value` (a guardian's name and a restriction's free-text reason stay sealed in the log).
 */
export interface HistoryEntry {
  position: number;
  recordedAt: string;
  eventType: SubjectEvent['type'];
  category: string | null;
  field: string | null;
  /** The new value (null: the field was removed); "[erased]" once the category's key is destroyed. */
  value: unknown;
  /** Data changes only: the value before this event (null: the field was not held). */
  previousValue?: unknown;
  actor: string;
  /** update, correction or supplement for changes; null otherwise. */
  reason: string | null;
  purposeId: string | null;
  legalBasis: string | null;
  noticeVersion?: string;
  rightsRequestId?: string;
  /** A value a merge took from another file of the same person (SubjectMerged): that file's id. */
  mergedFrom?: string;
}

export interface OpenedEvent {
  recorded: RecordedEnvelope;
  event: SubjectEvent;
}

type Base = Pick<HistoryEntry, 'position' | 'recordedAt' | 'eventType' | 'actor' | 'purposeId' | 'legalBasis'>;
type Parts = Pick<HistoryEntry, 'category' | 'field' | 'value' | 'reason'> & Partial<HistoryEntry>;

/** The history of a stream whose PI is already opened (decrypted or "[erased]"), oldest first. */
export function subjectHistory(events: readonly OpenedEvent[]): HistoryEntry[] {
  const held = new Map<string, Map<string, unknown>>();
  const fieldsOf = (category: string) => held.get(category) ?? held.set(category, new Map()).get(category)!;
  return events.flatMap(({ recorded, event }) => {
    const base: Base = {
      position: recorded.position,
      recordedAt: recorded.recordedAt.toISOString(),
      eventType: event.type,
      actor: recorded.metadata.actor,
      purposeId: ('purposeId' in event.data ? event.data.purposeId : recorded.metadata.purposeId) ?? null,
      legalBasis: recorded.metadata.legalBasis ?? null,
    };
    const fact = (value: Record<string, unknown>, extra: Partial<HistoryEntry> = {}): HistoryEntry[] => [
      entry(base, { category: null, field: null, value, reason: null, ...extra }),
    ];
    switch (event.type) {
      case 'SubjectRegistered':
        return fact({ channel: event.data.channel, minor: event.data.minor }, { legalBasis: event.data.legalBasis, noticeVersion: event.data.noticeVersion });
      case 'DataCollected': {
        // collecting a category replaces it: fields it no longer has are removed
        const fields = fieldsOf(event.data.category);
        const merged = event.data.mergedFrom ? { mergedFrom: event.data.mergedFrom } : {};
        const entries = Object.entries(event.data.fields).map(([field, value]) => ({
          ...change(base, event.data.category, field, value, fields.get(field) ?? null, null),
          ...merged,
        }));
        for (const [field, previous] of fields) if (!(field in event.data.fields)) entries.push(change(base, event.data.category, field, null, previous, null));
        held.set(event.data.category, new Map(Object.entries(event.data.fields)));
        return entries;
      }
      case 'DataUpdated':
      case 'DataCorrected':
      case 'DataSupplemented': {
        const fields = fieldsOf(event.data.category);
        const extra = {
          ...(event.data.rightsRequestId ? { rightsRequestId: event.data.rightsRequestId } : {}),
          ...(event.data.mergedFrom ? { mergedFrom: event.data.mergedFrom } : {}),
        };
        return Object.entries(event.data.set).map(([field, value]) => {
          const changed = { ...change(base, event.data.category, field, value, fields.get(field) ?? null, event.data.reason), ...extra };
          if (value === null) fields.delete(field);
          else fields.set(field, value);
          return changed;
        });
      }
      case 'DataItemAdded': {
        const fields = fieldsOf(event.data.category);
        const list = fields.get(event.data.field);
        fields.set(event.data.field, [...(Array.isArray(list) ? list : []), event.data.item]);
        return [entry(base, { category: event.data.category, field: event.data.field, value: event.data.item, reason: null })];
      }
      case 'ConsentGranted': {
        const { consentId, categories, separate, channel, guardian, noticeVersion } = event.data;
        return fact({ consentId, categories, separate, channel, guardian: guardian !== undefined }, { noticeVersion });
      }
      case 'ConsentWithdrawn':
        return fact({ consentId: event.data.consentId, withdrawnBy: event.data.withdrawnBy });
      case 'ProcessingRestricted':
        return fact({ restrictionId: event.data.restrictionId, purposeIds: event.data.purposeIds });
      case 'RestrictionLifted':
        return fact({ restrictionId: event.data.restrictionId });
      case 'DisclosedToThirdParty': {
        const { disclosureId, recipient, categories, consentId } = event.data;
        return fact({ disclosureId, recipient, categories, consentId });
      }
      case 'SubjectAssigned':
        return fact({ departmentId: event.data.departmentId, healthManagerId: event.data.healthManagerId });
      case 'RelationshipEnded':
        return fact({ reason: event.data.reason });
      case 'LifecycleStageChanged':
        return fact({ from: event.data.from, to: event.data.to });
      case 'SubjectErased': {
        const { erasedCategories, retained, requestId, initiative, ground } = event.data;
        for (const category of erasedCategories) held.delete(category);
        return fact({ erasedCategories, retained, ...(requestId ? { requestId } : {}), ...(initiative ? { initiative, ground } : {}) });
      }
      case 'SubjectMerged':
        return fact({ duplicateId: event.data.duplicateId, taken: event.data.taken, carried: event.data.carried });
      case 'SubjectMergedInto':
        return fact({ survivorId: event.data.survivorId });
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  });
}

function change(base: Base, category: string, field: string, value: unknown, previousValue: unknown, reason: string | null): HistoryEntry {
  return entry(base, { category, field, value, previousValue, reason });
}

/** Members in the order of the contract: where and what, then who, why and on which basis. */
function entry(base: Base, { category, field, value, reason, ...rest }: Parts): HistoryEntry {
  const { position, recordedAt, eventType, actor, purposeId, legalBasis } = base;
  const { previousValue, ...extra } = rest;
  return {
    position,
    recordedAt,
    eventType,
    category,
    field,
    value,
    ...('previousValue' in rest ? { previousValue } : {}),
    actor,
    reason,
    purposeId,
    legalBasis,
    ...extra,
  };
}
