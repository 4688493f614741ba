/**
 * A rule of the domain refused a command. `code` is stable and public (the HTTP edge maps it to a
 * problem type and status; each feature module registers its codes); `details` carry non-PI facts
 * such as an existing subject id. Each module names its codes as a union (e.g. `SubjectErrorCode`
 * in subject.errors.ts), so a typo is a compile error and every code has an HTTP mapping.
 */
export class DomainError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** One field of the input that is wrong: `path` names it as the client sent it (e.g. `data.contact.phone`). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Input a rule cannot take (a 400 at the edge); `errors` name every wrong field, never its value. */
export class InvalidInput extends DomainError<'validation-failed'> {
  readonly errors: FieldProblem[];
  constructor(problems: FieldProblem[], message = problems.map((p) => `${p.path}: ${p.message}`).join('; ')) {
    super('validation-failed', message, { errors: problems });
    this.errors = problems;
  }
}
