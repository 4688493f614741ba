/**
 * Errors of the audit trail carry a `code`, never PI. Suggested HTTP meaning (registered by
 * AuditModule): event-not-in-tree 404, no-tree-head 404, tree-size-too-large 400,
 * invalid-range 400, invalid-tree-size 400, audit-tree-corrupt 500.
 */
export class AuditError extends Error {
  constructor(
    readonly code: 'event-not-in-tree' | 'tree-size-too-large' | 'invalid-range' | 'invalid-tree-size' | 'no-tree-head',
    message: string,
  ) {
    super(message);
    this.name = 'AuditError';
  }
}

export const eventNotInTree = (eventId: string, treeSize?: number) =>
  new AuditError(
    'event-not-in-tree',
    treeSize === undefined ? `event ${eventId} is not in the audit tree (yet)` : `event ${eventId} is not among the first ${treeSize} leaves of the audit tree`,
  );

export const treeSizeTooLarge = (treeSize: number, actual: number) =>
  new AuditError('tree-size-too-large', `tree size ${treeSize} is larger than the audit tree (${actual} leaves)`);

export const invalidRange = (from: number, to: number) => new AuditError('invalid-range', `a consistency proof needs 0 <= from <= to; got from ${from}, to ${to}`);

export const invalidTreeSize = (what: string, value: unknown) => new AuditError('invalid-tree-size', `${what} must be a non-negative integer, got ${String(value)}`);

/** Stored nodes are missing or the tree is otherwise not what the writer leaves behind. */
export class AuditTreeCorrupt extends Error {
  readonly code = 'audit-tree-corrupt';
  constructor(message: string) {
    super(message);
    this.name = 'AuditTreeCorrupt';
  }
}
