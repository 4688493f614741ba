import { DomainError } from '../domain-error';
import type { LegalHoldErrorCode } from './legal-hold.errors';
import { Category, isCategory } from '../registry/categories';
import { RetainedCategory } from '../subject/subject.events';
import { LegalHold, LegalHoldEvent } from './legal-hold.events';

export interface LegalHoldRecord extends LegalHold {
  placedAt: string;
  status: 'active' | 'released';
  releasedAt?: string;
}

export interface LegalHoldState {
  holds: Record<string, LegalHoldRecord>;
}

export type LegalHoldCommand = { type: 'PlaceLegalHold'; hold: LegalHold; now: string } | { type: 'ReleaseLegalHold'; holdId: string; now: string };

export const initialLegalHolds = (): LegalHoldState => ({ holds: {} });

export function evolveLegalHolds(state: LegalHoldState, event: LegalHoldEvent): LegalHoldState {
  switch (event.type) {
    case 'LegalHoldPlaced':
      return { holds: { ...state.holds, [event.data.holdId]: { ...event.data, status: 'active' } } };
    case 'LegalHoldReleased': {
      const hold = state.holds[event.data.holdId];
      if (!hold) return state;
      return { holds: { ...state.holds, [hold.holdId]: { ...hold, status: 'released', releasedAt: event.data.releasedAt } } };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideLegalHold(command: LegalHoldCommand, state: LegalHoldState): LegalHoldEvent[] {
  switch (command.type) {
    case 'PlaceLegalHold': {
      const { hold, now } = command;
      if (state.holds[hold.holdId]) throw new DomainError<LegalHoldErrorCode>('legal-hold-exists', `legal hold ${hold.holdId} already exists`, { holdId: hold.holdId });
      const unknown = hold.categories.filter((category) => !isCategory(category));
      if (hold.categories.length === 0 || unknown.length > 0) {
        throw new DomainError<LegalHoldErrorCode>('invalid-legal-hold', 'a legal hold names one or more known data categories', { categories: unknown });
      }
      if (!hold.basis.trim()) throw new DomainError<LegalHoldErrorCode>('invalid-legal-hold', 'a legal hold cites its basis');
      const end = holdEnd(hold.until);
      if (Number.isNaN(end)) throw new DomainError<LegalHoldErrorCode>('invalid-legal-hold', `until must be an ISO 8601 date or date-time, got ${hold.until}`);
      if (end < Date.parse(now)) throw new DomainError<LegalHoldErrorCode>('legal-hold-expired', `a legal hold until ${hold.until} has already ended`, { until: hold.until });
      const placed: LegalHold = {
        holdId: hold.holdId,
        ...(hold.subjectId ? { subjectId: hold.subjectId } : {}),
        categories: [...new Set(hold.categories)],
        basis: hold.basis.trim(),
        until: hold.until,
      };
      return [{ type: 'LegalHoldPlaced', data: { ...placed, placedAt: now } }];
    }
    case 'ReleaseLegalHold': {
      const hold = state.holds[command.holdId];
      if (!hold) throw new DomainError<LegalHoldErrorCode>('legal-hold-not-found', `no legal hold ${command.holdId}`, { holdId: command.holdId });
      if (hold.status === 'released') return []; // releasing twice changes nothing
      return [{ type: 'LegalHoldReleased', data: { holdId: hold.holdId, releasedAt: command.now } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The last instant a hold covers (ms since the epoch): a date alone lasts through that day, UTC. */
export function holdEnd(until: string): number {
  return DATE_ONLY.test(until) ? Date.parse(`${until}T23:59:59.999Z`) : Date.parse(until);
}

/** In force at `now`: not released and not past its end. An expired hold protects nothing. */
export function holdInForce(hold: LegalHoldRecord, now: string): boolean {
  return hold.status === 'active' && holdEnd(hold.until) >= Date.parse(now);
}

export function holdAppliesTo(hold: LegalHold, subjectId: string): boolean {
  return hold.subjectId === undefined || hold.subjectId === subjectId;
}

/**
 * The categories of `subjectId` that holds in force at `now` keep, one entry per category: when
 * several holds cover a category, the one that lasts longest decides its basis and end.
 */
export function retainedCategories(state: LegalHoldState, subjectId: string, now: string): RetainedCategory[] {
  const longest = new Map<Category, LegalHoldRecord>();
  for (const hold of Object.values(state.holds)) {
    if (!holdInForce(hold, now) || !holdAppliesTo(hold, subjectId)) continue;
    for (const category of hold.categories) {
      const current = longest.get(category);
      if (!current || holdEnd(hold.until) > holdEnd(current.until)) longest.set(category, hold);
    }
  }
  return [...longest].map(([category, hold]) => ({ category, basis: hold.basis, until: hold.until }));
}
