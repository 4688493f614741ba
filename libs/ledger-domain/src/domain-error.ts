/**
 * A rule of the domain refused a command. `code` is stable and public (it becomes the problem type
 * on the HTTP edge); `details` carry non-PI facts such as an existing subject id.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
