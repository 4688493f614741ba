import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { RegistryState, retentionAfterEndDays } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { evolveSubject, initialSubjectState, SubjectState } from '@pi-ledger/ledger-domain/subject/subject.state';

const DAY_MS = 86_400_000;

/** What keeps a category: a live purpose (until its retention ends), the relationship while it lasts, or the category's retention after processing ended. */
export type Keeper = { purposeId: string; until?: string } | { relationship: 'lasting' } | { afterEnd: { endedAt: string; days: number }; until: string };

export interface CategoryRetention {
  category: Category;
  /** The last time data of the category was collected, changed or added to (for records in streams of their own: the registration). */
  collectedAt: string;
  keptBy: Keeper[];
}

export interface RetentionVerdict {
  /** Held categories whose processing ended and whose retention after the end has run out: to be erased. */
  due: Category[];
  /** Held categories still kept: by a live purpose, by the relationship, or for their retention after the end. */
  kept: CategoryRetention[];
}

/**
 * PIPL Art. 19 / Art. 47(1): which of a subject's categories are due for erasure at `now`.
 *
 * Processing of a file category ends when no purpose keeps it any longer. A purpose keeps a held
 * category when the category is within it and the purpose is live for the subject — a consent
 * purpose while a consent for it covering the category is active; any other purpose when the
 * subject was registered under it or data of the category was collected under it — and its
 * `retentionDays` (none = no limit) have not passed since the category's last collection. The end
 * of the relationship (RelationshipEnded) ends processing of every category at once.
 *
 * The categories of records kept in streams of their own (`recordCategories`: check-ups, service
 * records, follow-ups, orders, ...) follow the relationship: their processing ends when it ends —
 * explicitly, or once processing of every file category has ended (the last purpose lapsed).
 *
 * Once processing of a category has ended, the category is still kept, for storage only, for its
 * retention after the end (the registry's `retentionAfterEndDays`: transaction records 7 years,
 * basic data 0); then it is due. Only event types, categories, purposes and times are read: never a value.
 */
export function retentionVerdict(events: readonly SubjectEvent[], registry: RegistryState, now: Date, recordCategories: readonly Category[] = []): RetentionVerdict {
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
  const endedAt = live.relationshipEndedAt === undefined ? Infinity : Date.parse(live.relationshipEndedAt);

  /** Until when `purpose` keeps `category` (Infinity: no limit; -Infinity: it never kept it). */
  const keepsUntil = (purpose: Purpose, category: Category, at: string, purposes: Set<string>): number => {
    if (!purpose.categories.includes(category)) return -Infinity;
    let until = purpose.retentionDays === undefined ? Infinity : Date.parse(at) + purpose.retentionDays * DAY_MS;
    if (purpose.legalBasis === 'consent') {
      const covering = Object.values(live.consents).filter((consent) => consent.purposeId === purpose.id && consent.categories.includes(category));
      const consentEnds = covering.some((consent) => consent.status === 'active') ? Infinity : Math.max(...covering.map((consent) => Date.parse(consent.withdrawnAt ?? at)));
      until = Math.min(until, consentEnds);
    } else if (purpose.id !== registeredFor && !purposes.has(purpose.id)) return -Infinity;
    return until;
  };

  const fileCategories = Object.keys(live.held) as Category[];
  const processing = new Map<Category, { at: string; ends: number; purposes: Keeper[] }>();
  for (const category of fileCategories) {
    const { at, purposes } = collected.get(category) ?? { at: live.createdAt, purposes: new Set<string>() };
    const keepers = Object.values(registry.purposes).map((purpose) => ({ purpose, until: keepsUntil(purpose, category, at, purposes) }));
    const lastKept = Math.max(...keepers.map((keeper) => keeper.until));
    // never kept by any purpose: processing ended when it was collected
    const ends = Math.min(lastKept === -Infinity ? Date.parse(at) : lastKept, endedAt);
    const purposesNow = keepers
      .filter((keeper) => keeper.until > now.getTime() && now.getTime() < endedAt)
      .map(({ purpose, until }) => ({ purposeId: purpose.id, ...(until === Infinity ? {} : { until: new Date(until).toISOString() }) }));
    processing.set(category, { at, ends, purposes: purposesNow });
  }
  const relationshipEnds =
    endedAt !== Infinity ? endedAt : fileCategories.length === 0 ? Infinity : Math.max(...fileCategories.map((category) => processing.get(category)?.ends ?? Infinity));
  for (const category of recordCategories) {
    if (processing.has(category)) continue;
    processing.set(category, { at: live.createdAt, ends: relationshipEnds, purposes: [{ relationship: 'lasting' }] });
  }

  const due: Category[] = [];
  const kept: CategoryRetention[] = [];
  for (const [category, { at, ends, purposes }] of processing) {
    if (ends > now.getTime()) {
      kept.push({ category, collectedAt: at, keptBy: purposes });
      continue;
    }
    const days = retentionAfterEndDays(registry, category);
    const until = ends + days * DAY_MS;
    if (until <= now.getTime()) due.push(category);
    else kept.push({ category, collectedAt: at, keptBy: [{ afterEnd: { endedAt: new Date(ends).toISOString(), days }, until: new Date(until).toISOString() }] });
  }
  return { due, kept };
}

/** The shortest retention of any purpose: a subject registered more recently has nothing due by time. */
export function shortestRetentionDays(registry: RegistryState): number | undefined {
  const days = Object.values(registry.purposes).flatMap((purpose) => (purpose.retentionDays === undefined ? [] : [purpose.retentionDays]));
  return days.length === 0 ? undefined : Math.min(...days);
}
