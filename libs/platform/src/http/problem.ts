/** One field-level problem: `path` names the field in the request (e.g. `data.contact.phone`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** An RFC 9457 problem, thrown anywhere on the HTTP edge and rendered by ProblemDetailsFilter. */
export class ProblemException extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldProblem[],
    /** Extension members, e.g. `existingSubjectId`, `retryAfterSeconds`. */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemException';
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  errors?: FieldProblem[];
  instance?: string;
  [extension: string]: unknown;
}

export const problemType = (code: string) => `urn:pi-ledger:problem:${code}`;

/**
 * HTTP status of errors that carry a `code` but know nothing of HTTP (domain and event-store
 * errors). Feature modules add their codes with `registerProblemCodes`.
 */
const statusByCode = new Map<string, { status: number; title: string }>([
  ['wrong-expected-version', { status: 409, title: 'The resource changed since you read it' }],
  ['event-id-conflict', { status: 422, title: 'Event ids already belong to other events' }],
  ['invalid-append', { status: 400, title: 'Invalid append' }],
  // the command path's and the application's own (command-handler.ts, domain-error.ts, projection-freshness.ts)
  ['validation-failed', { status: 400, title: 'The request is invalid' }],
  ['precondition-failed', { status: 412, title: 'Precondition failed' }],
  ['concurrency-conflict', { status: 409, title: 'Concurrent changes' }],
  ['projection-lagging', { status: 503, title: 'Projection lagging' }],
  ['projection-quarantined', { status: 503, title: 'Record set aside by a projection' }],
  ['database-unavailable', { status: 503, title: 'Database unavailable' }], // database/database-unavailable.ts
]);

export function registerProblemCodes(codes: Record<string, { status: number; title: string }>): void {
  for (const [code, entry] of Object.entries(codes)) statusByCode.set(code, entry);
}

export function problemForCode(code: string): { status: number; title: string } | undefined {
  return statusByCode.get(code);
}
