import { DomainError } from '../domain-error';

/**
 * Duplicate candidates across the ledger (issue #15, item 2): a pair of customers the duplicates
 * read model found sharing an ID number, a phone, an email or a name and birth date. A staff member
 * who checked a pair and found two different people dismisses it: an event on the pair's own
 * stream (who, when; no personal data), so the pair is never proposed again and the decision is
 * in the audit trail.
 */
export type DuplicatePairEvent = {
  type: 'DuplicatePairDismissed';
  /** `subjectIds`: the two customers, in ascending order. */
  data: { subjectIds: [string, string]; dismissedBy: string; dismissedAt: string };
};

export type DuplicatePairErrorCode = 'duplicate-pair-not-found' | 'duplicate-pair-dismissed';

export interface DuplicatePairState {
  dismissed: boolean;
}

export type DuplicatePairCommand = { type: 'DismissDuplicatePair'; subjectIds: [string, string]; actor: string; now: string };

export const initialDuplicatePair = (): DuplicatePairState => ({ dismissed: false });

/** The two ids in the one order a pair is known by (its stream, its row). */
export function pairOf(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

export const duplicatePairStream = (a: string, b: string): string => `duplicate-pair-${pairOf(a, b).join(':')}`;

export function evolveDuplicatePair(_state: DuplicatePairState, event: DuplicatePairEvent): DuplicatePairState {
  switch (event.type) {
    case 'DuplicatePairDismissed':
      return { dismissed: true };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

export function decideDuplicatePair(command: DuplicatePairCommand, state: DuplicatePairState): DuplicatePairEvent[] {
  const subjectIds = pairOf(...command.subjectIds);
  if (state.dismissed) throw new DomainError<DuplicatePairErrorCode>('duplicate-pair-dismissed', 'this pair was already dismissed as two different people', { subjectIds });
  return [{ type: 'DuplicatePairDismissed', data: { subjectIds, dismissedBy: command.actor, dismissedAt: command.now } }];
}
