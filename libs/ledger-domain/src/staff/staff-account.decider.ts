import { DomainError, InvalidInput } from '../domain-error';
import type { StaffErrorCode } from './staff.errors';
import { Sealable, StaffAccountEvent } from './staff-account.events';

export const staffAccountStream = (staffId: string) => `staff-account-${staffId}`;

/** Lower-case letters, digits, dot, dash, underscore; 3 to 64 characters, starting with a letter or digit. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,63}$/;
/** A department as another module names it: opaque here. */
export const DEPARTMENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** A person's account never holds this role: it stands for a customer reading their own record. */
const NOT_FOR_STAFF = 'data_subject';

export type MfaState =
  { status: 'none' } | { status: 'pending'; totpSecret: Sealable; startedAt: string } | { status: 'confirmed'; totpSecret: Sealable; timeStep: number; confirmedAt: string };

export interface StaffAccount {
  status: 'active' | 'disabled';
  staffId: string;
  username: string;
  displayName: Sealable;
  roles: string[];
  departmentId: string | null;
  password: { hash: Sealable; oneTime: boolean; setAt: string };
  mfa: MfaState;
  createdAt: string;
  updatedAt: string;
}

export type StaffAccountState = { status: 'absent' } | StaffAccount;

export type StaffAccountCommand =
  | {
      type: 'CreateStaffAccount';
      staffId: string;
      username: string;
      displayName: Sealable;
      roles: string[];
      departmentId: string | null;
      /** Every account starts with a one-time password an admin hands over. */
      oneTimePasswordHash: Sealable;
      now: string;
    }
  | { type: 'GrantRole'; role: string; now: string }
  | { type: 'RevokeRole'; role: string; now: string }
  | { type: 'SetDepartment'; departmentId: string | null; now: string }
  | { type: 'SetPassword'; passwordHash: Sealable; oneTime: boolean; now: string }
  | { type: 'StartMfaEnrolment'; totpSecret: Sealable; now: string }
  | { type: 'ConfirmMfa'; timeStep: number; now: string }
  | { type: 'ResetMfa'; now: string }
  | { type: 'DisableAccount'; now: string }
  | { type: 'EnableAccount'; now: string };

export function initialStaffAccount(): StaffAccountState {
  return { status: 'absent' };
}

export function evolveStaffAccount(state: StaffAccountState, event: StaffAccountEvent): StaffAccountState {
  if (event.type === 'StaffAccountCreated') {
    const { staffId, username, displayName, roles, departmentId, createdAt } = event.data;
    // the password comes with the next event (StaffPasswordSet); until then nobody can sign in
    return {
      status: 'active',
      staffId,
      username,
      displayName,
      roles,
      departmentId,
      password: { hash: '', oneTime: true, setAt: createdAt },
      mfa: { status: 'none' },
      createdAt,
      updatedAt: createdAt,
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'StaffRoleGranted':
      return { ...state, roles: [...state.roles, event.data.role], updatedAt: event.data.grantedAt };
    case 'StaffRoleRevoked':
      return { ...state, roles: state.roles.filter((role) => role !== event.data.role), updatedAt: event.data.revokedAt };
    case 'StaffDepartmentSet':
      return { ...state, departmentId: event.data.departmentId, updatedAt: event.data.setAt };
    case 'StaffPasswordSet':
      return { ...state, password: { hash: event.data.passwordHash, oneTime: event.data.oneTime, setAt: event.data.setAt }, updatedAt: event.data.setAt };
    case 'StaffMfaEnrolmentStarted':
      return { ...state, mfa: { status: 'pending', totpSecret: event.data.totpSecret, startedAt: event.data.startedAt }, updatedAt: event.data.startedAt };
    case 'StaffMfaConfirmed':
      if (state.mfa.status !== 'pending') return state;
      return {
        ...state,
        mfa: { status: 'confirmed', totpSecret: state.mfa.totpSecret, timeStep: event.data.timeStep, confirmedAt: event.data.confirmedAt },
        updatedAt: event.data.confirmedAt,
      };
    case 'StaffMfaReset':
      return { ...state, mfa: { status: 'none' }, updatedAt: event.data.resetAt };
    case 'StaffAccountDisabled':
      return { ...state, status: 'disabled', updatedAt: event.data.disabledAt };
    case 'StaffAccountEnabled':
      return { ...state, status: 'active', updatedAt: event.data.enabledAt };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideStaffAccount(command: StaffAccountCommand, state: StaffAccountState): StaffAccountEvent[] {
  if (command.type === 'CreateStaffAccount') return create(command, state);
  if (state.status === 'absent') throw new DomainError<StaffErrorCode>('staff-not-found', 'no staff account with this id');
  const staffId = state.staffId;
  const now = command.now;
  switch (command.type) {
    case 'GrantRole':
      assertRoles([command.role], 'role');
      return state.roles.includes(command.role) ? [] : [{ type: 'StaffRoleGranted', data: { staffId, role: command.role, grantedAt: now } }];
    case 'RevokeRole':
      if (!state.roles.includes(command.role)) return [];
      if (state.roles.length === 1) throw new DomainError<StaffErrorCode>('staff-needs-a-role', 'an account keeps at least one role: disable it instead', { role: command.role });
      return [{ type: 'StaffRoleRevoked', data: { staffId, role: command.role, revokedAt: now } }];
    case 'SetDepartment':
      assertDepartment(command.departmentId);
      return state.departmentId === command.departmentId ? [] : [{ type: 'StaffDepartmentSet', data: { staffId, departmentId: command.departmentId, setAt: now } }];
    case 'SetPassword':
      return [{ type: 'StaffPasswordSet', data: { staffId, passwordHash: command.passwordHash, oneTime: command.oneTime, setAt: now } }];
    case 'StartMfaEnrolment':
      if (state.mfa.status === 'confirmed') throw new DomainError<StaffErrorCode>('mfa-already-enrolled', 'MFA is enrolled already: an admin must reset it first');
      return [{ type: 'StaffMfaEnrolmentStarted', data: { staffId, totpSecret: command.totpSecret, startedAt: now } }];
    case 'ConfirmMfa':
      if (state.mfa.status !== 'pending') throw new DomainError<StaffErrorCode>('mfa-not-pending', 'no MFA enrolment is waiting for confirmation');
      return [{ type: 'StaffMfaConfirmed', data: { staffId, timeStep: command.timeStep, confirmedAt: now } }];
    case 'ResetMfa':
      return state.mfa.status === 'none' ? [] : [{ type: 'StaffMfaReset', data: { staffId, resetAt: now } }];
    case 'DisableAccount':
      return state.status === 'disabled' ? [] : [{ type: 'StaffAccountDisabled', data: { staffId, disabledAt: now } }];
    case 'EnableAccount':
      return state.status === 'active' ? [] : [{ type: 'StaffAccountEnabled', data: { staffId, enabledAt: now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function create(command: Extract<StaffAccountCommand, { type: 'CreateStaffAccount' }>, state: StaffAccountState): StaffAccountEvent[] {
  if (state.status !== 'absent') throw new DomainError<StaffErrorCode>('staff-account-exists', 'this staff account exists already', { staffId: state.staffId });
  const problems = [];
  if (!USERNAME_PATTERN.test(command.username))
    problems.push({ path: 'username', message: 'must be 3 to 64 lower-case letters, digits, ".", "-" or "_", starting with a letter or digit' });
  if (command.roles.length === 0) problems.push({ path: 'roles', message: 'at least one role is required' });
  if (problems.length > 0) throw new InvalidInput(problems);
  assertRoles(command.roles, 'roles');
  assertDepartment(command.departmentId);
  const { staffId, username, displayName, departmentId, now } = command;
  return [
    { type: 'StaffAccountCreated', data: { staffId, username, displayName, roles: [...new Set(command.roles)], departmentId, createdAt: now } },
    { type: 'StaffPasswordSet', data: { staffId, passwordHash: command.oneTimePasswordHash, oneTime: true, setAt: now } },
  ];
}

function assertRoles(roles: readonly string[], path: string): void {
  if (roles.includes(NOT_FOR_STAFF)) throw new InvalidInput([{ path, message: 'data_subject is a customer’s role, not a staff member’s' }]);
}

function assertDepartment(departmentId: string | null): void {
  if (departmentId !== null && !DEPARTMENT_ID_PATTERN.test(departmentId)) {
    throw new InvalidInput([{ path: 'departmentId', message: 'must be 1 to 64 letters, digits, "-" or "_"' }]);
  }
}

/** Roles whose holders must sign in with a second factor (configurable; the default: those that read sensitive PI, and admin). */
export const DEFAULT_MFA_REQUIRED_ROLES = ['health_manager', 'compliance_officer', 'admin', 'staff'] as const;

export function mfaRequired(account: StaffAccount, requiredRoles: readonly string[]): boolean {
  return account.roles.some((role) => requiredRoles.includes(role));
}
