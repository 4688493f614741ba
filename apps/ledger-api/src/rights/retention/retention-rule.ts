import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { activeConsent } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { evolveSubject, initialSubjectState, SubjectState } from '@pi-ledger/ledger-domain/subject/subject.state';

const DAY_MS = 86_400_000;

export interface CategoryRetention {
  category: Category;
  /** The last time data of the category was collected, changed or added to. */
  collectedAt: string;
  /** The live purposes that still keep it, with the end of each one's retention (absent: none set). */
  keptBy: Array<{ purposeId: string; until?: string }>;
}

export interface RetentionVerdict {
  /** Held categories that no live purpose keeps any longer: to be erased. */
  due: Category[];
  /** Held categories that some live purpose still keeps. */
  kept: CategoryRetention[];
}

/**
 * PIPL Art. 19 / Art. 47(1): which of a subject's categories have outlived every purpose that could
 * keep them. A purpose keeps a held category when the category is within it and the purpose is live
 * for the subject — a consent purpose while a consent for it covering the category is active; any
 * other purpose when the subject was registered under it or data of the category was collected
 * under it — and its `retentionDays` (none = no limit) have not passed since the category's last
 * collection. A category no purpose keeps is due, whether its retention ran out or its consent was
 * withdrawn. Only the event types, categories, purposes and times are read: never a value.
 */
export function retentionVerdict(events: readonly SubjectEvent[], registry: RegistryState, now: Date): RetentionVerdict {
  let state: SubjectState = initialSubjectState();
  let registeredFor: string | undefined;
  const collected = new Map<Category, { at: string; purposes: Set<string> }>();
  const note = (category: Category, purposeId: string, at: string) => {
    const entry = collected.get(category) ?? { at, purposes: new Set<string>() };
    entry.purposes.add(purposeId);
    entry.at = at > entry.at ? at : entry.at;
    collected.set(category, entry);
  };
  for (const event of events) {
    state = evolveSubject(state, event);
    if (event.type === 'SubjectRegistered') registeredFor = event.data.purposeId;
    else if (event.type === 'DataCollected') note(event.data.category, event.data.purposeId, event.data.collectedAt);
    else if (event.type === 'DataUpdated' || event.type === 'DataCorrected' || event.type === 'DataSupplemented')
      note(event.data.category, event.data.purposeId, event.data.changedAt);
    else if (event.type === 'DataItemAdded') note(event.data.category, event.data.purposeId, event.data.addedAt);
  }
  if (state.status !== 'active' && state.status !== 'restricted') return { due: [], kept: [] };
  const live = state;

  const due: Category[] = [];
  const kept: CategoryRetention[] = [];
  for (const category of Object.keys(live.held) as Category[]) {
    const { at, purposes } = collected.get(category) ?? { at: live.createdAt, purposes: new Set<string>() };
    const isLive = (purpose: Purpose) =>
      purpose.legalBasis === 'consent' ? activeConsent(live, purpose.id, category, false) !== undefined : purpose.id === registeredFor || purposes.has(purpose.id);
    const keptBy = Object.values(registry.purposes)
      .filter((purpose) => purpose.categories.includes(category) && isLive(purpose))
      .map((purpose) => ({
        purposeId: purpose.id,
        ...(purpose.retentionDays === undefined ? {} : { until: new Date(Date.parse(at) + purpose.retentionDays * DAY_MS).toISOString() }),
      }))
      .filter((keeper) => keeper.until === undefined || Date.parse(keeper.until) > now.getTime());
    if (keptBy.length === 0) due.push(category);
    else kept.push({ category, collectedAt: at, keptBy });
  }
  return { due, kept };
}

/** The shortest retention of any purpose: a subject registered more recently has nothing due by time. */
export function shortestRetentionDays(registry: RegistryState): number | undefined {
  const days = Object.values(registry.purposes).flatMap((purpose) => (purpose.retentionDays === undefined ? [] : [purpose.retentionDays]));
  return days.length === 0 ? undefined : Math.min(...days);
}
