import type { Actor } from './actor';

/** A caller tried to act on a subject it may not; rendered as 403 `forbidden`. */
export class SubjectScopeError extends Error {
  readonly code = 'forbidden';

  constructor() {
    super('a data subject may act only on its own record');
    this.name = 'SubjectScopeError';
  }
}

/**
 * A data subject may act only on its own record. Other roles pass: which roles reach a route at
 * all is decided by `@Roles`, not here.
 */
export function assertMaySeeSubject(actor: Actor, subjectId: string): void {
  if (actor.roles.includes('data_subject') && actor.subjectId !== subjectId) throw new SubjectScopeError();
}
