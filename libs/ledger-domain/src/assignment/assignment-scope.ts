import { DomainError, InvalidInput } from '../domain-error';
import type { Department } from '../departments/department.decider';
import type { AssignmentErrorCode } from './assignment.errors';

/** Whom a customer is assigned to: a department, and within it, optionally, one health manager. */
export interface Assignment {
  departmentId: string | null;
  healthManagerId: string | null;
}

export const UNASSIGNED: Assignment = { departmentId: null, healthManagerId: null };

/** The caller as scoping sees it (the token's `sub`, roles and `dept`). */
export interface Reacher {
  id: string;
  roles: readonly string[];
  departmentId?: string;
}

/**
 * Jobs that work with the customers of their own department only (centre-requirements: a health
 * manager must not "see customers of other departments without a reason").
 */
export const SCOPED_ROLES: readonly string[] = ['health_manager', 'customer_service'];

/**
 * Roles whose reach is every customer: the front desk registers and finds any walk-in, `staff` is
 * the former all-access role (an alias for one release), compliance officers answer for the whole
 * ledger, and a data subject reaches its own record only (checked by the subject scope). A caller
 * holding one of these and a scoped role has the wider reach.
 */
export const FULL_REACH_ROLES: readonly string[] = ['staff', 'front_desk', 'compliance_officer', 'data_subject'];

/** Who a scoped caller reaches: its department's customers, and (health managers) those assigned to it personally. */
export type Reach = { kind: 'all' } | { kind: 'assigned'; departmentId: string | null; healthManagerId: string | null };

export function reachOf(actor: Reacher): Reach {
  const scoped = actor.roles.some((role) => SCOPED_ROLES.includes(role));
  if (!scoped || actor.roles.some((role) => FULL_REACH_ROLES.includes(role))) return { kind: 'all' };
  return { kind: 'assigned', departmentId: actor.departmentId ?? null, healthManagerId: actor.roles.includes('health_manager') ? actor.id : null };
}

/** An unassigned customer is within no scoped caller's reach: the front desk assigns it first. */
export function withinReach(reach: Reach, assignment: Assignment): boolean {
  if (reach.kind === 'all') return true;
  if (reach.departmentId !== null && assignment.departmentId === reach.departmentId) return true;
  return reach.healthManagerId !== null && assignment.healthManagerId === reach.healthManagerId;
}

/** The reasons a break-glass access may state (`X-Break-Glass`): a closed list, so the report can be read and counted. */
export const BREAK_GLASS_REASONS = ['emergency', 'customer-present', 'covering-colleague', 'complaint-escalation'] as const;
export type BreakGlassReason = (typeof BREAK_GLASS_REASONS)[number];

export function isBreakGlassReason(value: string): value is BreakGlassReason {
  return (BREAK_GLASS_REASONS as readonly string[]).includes(value);
}

/** The break-glass a request states: a reason code and, optionally, a short note (sealed wherever it is kept). */
export interface BreakGlass {
  reason: BreakGlassReason;
  note?: string;
}

/**
 * May the caller reach this customer? `within`: yes, by its job and the assignment. `break-glass`:
 * only because the request states a break-glass reason (it must then be recorded as such). Otherwise
 * 403 outside-assignment, telling how break-glass is asked for.
 */
export function accessToCustomer(actor: Reacher, subjectId: string, assignment: Assignment, breakGlass: BreakGlass | undefined): 'within' | 'break-glass' {
  if (withinReach(reachOf(actor), assignment)) return 'within';
  if (breakGlass) return 'break-glass';
  throw new DomainError<AssignmentErrorCode>(
    'outside-assignment',
    `this customer is not assigned to your department or to you; if you must access it, repeat the request with the header X-Break-Glass: <reason> (one of ${BREAK_GLASS_REASONS.join(', ')}): the access is then allowed, recorded as break-glass and reviewed by compliance`,
    { subjectId, breakGlass: { header: 'X-Break-Glass', reasons: [...BREAK_GLASS_REASONS], noteHeader: 'X-Break-Glass-Note' } },
  );
}

/** A customer is assigned only to a department that exists and is active (422 naming `departmentId`). */
export function assertAssignable(department: Department | undefined, departmentId: string): void {
  if (!department) {
    throw new DomainError<AssignmentErrorCode>('unknown-department', `no department ${departmentId}`, {
      departmentId,
      errors: [{ path: 'departmentId', message: 'no such department' }],
    });
  }
  if (department.status !== 'active') {
    throw new DomainError<AssignmentErrorCode>('inactive-department', `department ${department.code} is deactivated`, {
      departmentId,
      errors: [{ path: 'departmentId', message: 'is deactivated' }],
    });
  }
}

/** The break-glass a request's headers state, or undefined; an unknown reason or an overlong note is 400 naming the header. */
export function parseBreakGlass(reason: string | undefined, note: string | undefined): BreakGlass | undefined {
  if (reason === undefined || reason.trim() === '') {
    if (note !== undefined) throw new InvalidInput([{ path: 'headers.x-break-glass', message: 'required with X-Break-Glass-Note' }]);
    return undefined;
  }
  const code = reason.trim();
  if (!isBreakGlassReason(code)) throw new InvalidInput([{ path: 'headers.x-break-glass', message: `must be one of ${BREAK_GLASS_REASONS.join(', ')}` }]);
  if (note === undefined || note.trim() === '') return { reason: code };
  return { reason: code, note: decodeNote(note) };
}

export const BREAK_GLASS_NOTE_MAX = 200;

/** The note travels percent-encoded UTF-8 (a header carries no Chinese otherwise), at most BREAK_GLASS_NOTE_MAX characters. */
function decodeNote(encoded: string): string {
  const invalid = (message: string) => new InvalidInput([{ path: 'headers.x-break-glass-note', message }]);
  let note: string;
  try {
    note = decodeURIComponent(encoded).trim();
  } catch {
    throw invalid('must be percent-encoded UTF-8 (encodeURIComponent)');
  }
  if ([...note].length > BREAK_GLASS_NOTE_MAX) throw invalid(`must have at most ${BREAK_GLASS_NOTE_MAX} characters`);

  if (/[\u0000-\u001f\u007f]/.test(note)) throw invalid('must not contain control characters');
  return note;
}
