import type { Assignment, BreakGlassReason } from './assignment-scope';

/**
 * A caller reached a customer outside its assignment by stating a break-glass reason. Appended to
 * the `break-glass` stream before the read is answered or the change decided, so that no such
 * access goes unrecorded. `V` is how the note travels: plaintext until sealed under the customer's
 * free-text key (it is typed by a person and may name someone), sealed in the store.
 */
export interface BreakGlassUsed<V = unknown> {
  type: 'BreakGlassUsed';
  data: {
    breakGlassId: string;
    subjectId: string;
    actor: string;
    roles: string[];
    /** The caller's department (token `dept`), null when it has none. */
    actorDepartmentId: string | null;
    /** Whom the customer was assigned to at the time. */
    assignment: Assignment;
    reason: BreakGlassReason;
    note?: V;
    access: 'read' | 'write';
    usedAt: string;
  };
}

export const BREAK_GLASS_USED = 'BreakGlassUsed';
export const BREAK_GLASS_STREAM = 'break-glass';
