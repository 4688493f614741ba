/** What `ledger audit verify` found wrong, first in log order. */
export type AuditFailureCode =
  /** The event's stored payload digest is not the digest of its stored data: the data changed. */
  | 'payload-digest-mismatch'
  /** The leaf recomputed from the event differs from the stored leaf: metadata, ids, type or time changed. */
  | 'leaf-mismatch'
  /** A leaf commits to an event that is no longer in the log. */
  | 'event-missing'
  /** An event sits where the tree has another one: inserted, or the order changed. */
  | 'event-unexpected'
  /** An event has no leaf (the tree ends before the log does). */
  | 'event-not-in-tree'
  /** The leaves have a gap. */
  | 'leaf-missing'
  | 'node-missing'
  | 'node-mismatch'
  | 'tree-head-duplicate-size'
  | 'tree-head-unknown-key'
  | 'tree-head-signature-invalid'
  | 'tree-head-root-mismatch'
  | 'tree-head-inconsistent'
  | 'tree-head-beyond-tree';

export interface AuditFailure {
  code: AuditFailureCode;
  message: string;
  /** Global index of the event / index of its leaf (they coincide in an intact trail). */
  leafIndex?: number;
  /** The event's position in the log. */
  position?: number;
  eventId?: string;
  /** For failures of a tree head. */
  treeSize?: number;
}

export function failure(code: AuditFailureCode, at: { leafIndex?: number; position?: number; eventId?: string; treeSize?: number }, detail: string): AuditFailure {
  const where =
    at.position !== undefined ? `position ${at.position} (leaf ${at.leafIndex})` : at.treeSize !== undefined ? `tree head of size ${at.treeSize}` : `leaf ${at.leafIndex}`;
  return { code, ...at, message: `${where}: ${code}: ${detail}` };
}
