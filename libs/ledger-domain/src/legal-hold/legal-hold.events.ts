import { Category } from '../registry/categories';

/**
 * A legal hold: data that a law, a court or a regulator requires the handler to keep (PIPL Art. 47:
 * "a retention period set by laws or administrative regulations has not expired"). It names its
 * basis (a citation, never PI) and an end; without `subjectId` it applies to every subject.
 */
export interface LegalHold {
  holdId: string;
  /** Absent: the hold applies to every subject. */
  subjectId?: string;
  categories: Category[];
  basis: string;
  /** ISO 8601 date (kept through that whole day, UTC) or date-time. */
  until: string;
}

/** Events of the one stream `legal-holds`: clear facts, no PI. */
export type LegalHoldEvent = { type: 'LegalHoldPlaced'; data: LegalHold & { placedAt: string } } | { type: 'LegalHoldReleased'; data: { holdId: string; releasedAt: string } };

export const LEGAL_HOLDS_STREAM = 'legal-holds';
