import { DomainError, InvalidInput } from '../domain-error';
import { decideStaffAccount, evolveStaffAccount, initialStaffAccount, mfaRequired, StaffAccount, StaffAccountCommand } from './staff-account.decider';
import { StaffAccountEvent } from './staff-account.events';

const NOW = '2026-06-01T02:00:00.000Z';
const staffId = '0190f7a0-0000-7000-8000-000000000001';

function given(...events: StaffAccountEvent[]) {
  const state = events.reduce(evolveStaffAccount, initialStaffAccount());
  return {
    state,
    when: (command: StaffAccountCommand) => {
      try {
        return { events: decideStaffAccount(command, state) };
      } catch (error) {
        return { error: error as DomainError };
      }
    },
  };
}

const create = (overrides: Partial<Extract<StaffAccountCommand, { type: 'CreateStaffAccount' }>> = {}): StaffAccountCommand => ({
  type: 'CreateStaffAccount',
  staffId,
  username: 'li.na',
  displayName: 'sealed-name',
  roles: ['front_desk'],
  departmentId: 'dept-1',
  oneTimePasswordHash: 'sealed-hash',
  now: NOW,
  ...overrides,
});
const created = (): StaffAccountEvent[] => given().when(create()).events ?? [];
const account = (...more: StaffAccountEvent[]) => given(...created(), ...more).state as StaffAccount;

describe('staff account decider', () => {
  describe('given no account', () => {
    it('when created, then the account with a one-time password', () => {
      expect(created()).toEqual([
        { type: 'StaffAccountCreated', data: { staffId, username: 'li.na', displayName: 'sealed-name', roles: ['front_desk'], departmentId: 'dept-1', createdAt: NOW } },
        { type: 'StaffPasswordSet', data: { staffId, passwordHash: 'sealed-hash', oneTime: true, setAt: NOW } },
      ]);
      expect(account()).toMatchObject({ status: 'active', password: { oneTime: true, hash: 'sealed-hash' }, mfa: { status: 'none' } });
    });

    it('when created with a bad username, no role, a customer’s role or a bad department, then validation-failed naming the field', () => {
      const paths = (command: StaffAccountCommand) => ((given().when(command).error as InvalidInput).errors ?? []).map((problem) => problem.path);
      expect(paths(create({ username: 'Li Na' }))).toEqual(['username']);
      expect(paths(create({ roles: [] }))).toEqual(['roles']);
      expect(paths(create({ roles: ['front_desk', 'data_subject'] }))).toEqual(['roles']);
      expect(paths(create({ departmentId: 'a/b' }))).toEqual(['departmentId']);
    });

    it('when any other command, then staff-not-found', () => {
      expect(given().when({ type: 'DisableAccount', now: NOW }).error?.code).toBe('staff-not-found');
    });
  });

  describe('given an account', () => {
    it('when created again, then staff-account-exists', () => {
      expect(given(...created()).when(create()).error?.code).toBe('staff-account-exists');
    });

    it('when a role is granted, then it is held; granted again, nothing', () => {
      const granted = given(...created()).when({ type: 'GrantRole', role: 'health_manager', now: NOW }).events ?? [];
      expect(granted).toEqual([{ type: 'StaffRoleGranted', data: { staffId, role: 'health_manager', grantedAt: NOW } }]);
      expect(account(...granted).roles).toEqual(['front_desk', 'health_manager']);
      expect(given(...created(), ...granted).when({ type: 'GrantRole', role: 'health_manager', now: NOW }).events).toEqual([]);
    });

    it('when its only role is revoked, then staff-needs-a-role; another role, then revoked', () => {
      expect(given(...created()).when({ type: 'RevokeRole', role: 'front_desk', now: NOW }).error?.code).toBe('staff-needs-a-role');
      const granted: StaffAccountEvent = { type: 'StaffRoleGranted', data: { staffId, role: 'manager', grantedAt: NOW } };
      expect(given(...created(), granted).when({ type: 'RevokeRole', role: 'front_desk', now: NOW }).events).toEqual([
        { type: 'StaffRoleRevoked', data: { staffId, role: 'front_desk', revokedAt: NOW } },
      ]);
      expect(given(...created()).when({ type: 'RevokeRole', role: 'ops', now: NOW }).events).toEqual([]);
    });

    it('when the department is set, then it changes; to the same, nothing; to a bad id, validation-failed', () => {
      expect(given(...created()).when({ type: 'SetDepartment', departmentId: null, now: NOW }).events).toEqual([
        { type: 'StaffDepartmentSet', data: { staffId, departmentId: null, setAt: NOW } },
      ]);
      expect(given(...created()).when({ type: 'SetDepartment', departmentId: 'dept-1', now: NOW }).events).toEqual([]);
      expect(given(...created()).when({ type: 'SetDepartment', departmentId: ' ', now: NOW }).error).toBeInstanceOf(InvalidInput);
    });

    it('when disabled, then disabled; disabled again, nothing; enabled, active again', () => {
      const disabled = given(...created()).when({ type: 'DisableAccount', now: NOW }).events ?? [];
      expect(account(...disabled).status).toBe('disabled');
      expect(given(...created(), ...disabled).when({ type: 'DisableAccount', now: NOW }).events).toEqual([]);
      const enabled = given(...created(), ...disabled).when({ type: 'EnableAccount', now: NOW }).events ?? [];
      expect(account(...disabled, ...enabled).status).toBe('active');
    });

    it('when a password of one’s own is set, then it is no longer one-time', () => {
      const set = given(...created()).when({ type: 'SetPassword', passwordHash: 'sealed-own', oneTime: false, now: NOW }).events ?? [];
      expect(account(...set).password).toEqual({ hash: 'sealed-own', oneTime: false, setAt: NOW });
    });
  });

  describe('MFA', () => {
    const started: StaffAccountEvent = { type: 'StaffMfaEnrolmentStarted', data: { staffId, totpSecret: 'sealed-secret', startedAt: NOW } };
    const confirmed: StaffAccountEvent = { type: 'StaffMfaConfirmed', data: { staffId, timeStep: 42, confirmedAt: NOW } };

    it('given no enrolment, when confirmed, then mfa-not-pending', () => {
      expect(given(...created()).when({ type: 'ConfirmMfa', timeStep: 1, now: NOW }).error?.code).toBe('mfa-not-pending');
    });

    it('given an enrolment started, when confirmed, then enrolled with the step used', () => {
      expect(given(...created(), started).when({ type: 'ConfirmMfa', timeStep: 42, now: NOW }).events).toEqual([confirmed]);
      expect(account(started, confirmed).mfa).toEqual({ status: 'confirmed', totpSecret: 'sealed-secret', timeStep: 42, confirmedAt: NOW });
    });

    it('given MFA enrolled, when enrolment starts again, then mfa-already-enrolled; after a reset it may', () => {
      expect(given(...created(), started, confirmed).when({ type: 'StartMfaEnrolment', totpSecret: 'x', now: NOW }).error?.code).toBe('mfa-already-enrolled');
      const reset = given(...created(), started, confirmed).when({ type: 'ResetMfa', now: NOW }).events ?? [];
      expect(reset).toEqual([{ type: 'StaffMfaReset', data: { staffId, resetAt: NOW } }]);
      expect(given(...created(), started, confirmed, ...reset).when({ type: 'StartMfaEnrolment', totpSecret: 'x', now: NOW }).events).toHaveLength(1);
      expect(given(...created()).when({ type: 'ResetMfa', now: NOW }).events).toEqual([]);
    });

    it('is required for an account holding any of the configured roles', () => {
      expect(mfaRequired(account(), ['admin'])).toBe(false);
      expect(mfaRequired(account({ type: 'StaffRoleGranted', data: { staffId, role: 'admin', grantedAt: NOW } }), ['admin'])).toBe(true);
    });
  });
});
