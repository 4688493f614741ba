import { DomainError } from '../domain-error';
import { decideSignin, evolveSignin, initialSignin, isLocked, LOCK_BASE_MS, LOCKOUT_THRESHOLD, StaffSigninCommand } from './staff-signin.decider';
import { StaffSigninEvent } from './staff-signin.events';

const staffId = '0190f7a0-0000-7000-8000-000000000001';
const at = (ms: number) => new Date(Date.parse('2026-06-01T02:00:00.000Z') + ms).toISOString();
const NOW = at(0);

function given(...events: StaffSigninEvent[]) {
  const state = events.reduce(evolveSignin, initialSignin());
  return {
    state,
    when: (command: StaffSigninCommand) => {
      try {
        return { events: decideSignin(command, state) };
      } catch (error) {
        return { error: error as DomainError };
      }
    },
  };
}
const fail = (now = NOW): StaffSigninCommand => ({ type: 'RecordLoginFailure', staffId, reason: 'password', ip: null, now });
const failed = (now = NOW): StaffSigninEvent => ({ type: 'StaffLoginFailed', data: { staffId, reason: 'password', ip: null, at: now } });
const succeed = (timeStep: number | null, now = NOW): StaffSigninCommand => ({ type: 'RecordLoginSuccess', staffId, sessionId: 's-1', timeStep, ip: null, now });
const failures = (count: number) => Array.from({ length: count }, () => failed());

describe('sign-in decider', () => {
  describe('lockout', () => {
    it(`given ${LOCKOUT_THRESHOLD - 1} failures, when one more, then the failure and a lock of one minute`, () => {
      expect(given(...failures(LOCKOUT_THRESHOLD - 1)).when(fail()).events).toEqual([
        failed(),
        { type: 'StaffLockedOut', data: { staffId, until: at(LOCK_BASE_MS), level: 0, at: NOW } },
      ]);
    });

    it('given a lock, when an attempt comes, then it is recorded as refused while locked and counts nothing', () => {
      const [, lock] = given(...failures(LOCKOUT_THRESHOLD - 1)).when(fail()).events ?? [];
      const locked = given(...failures(LOCKOUT_THRESHOLD), lock);
      expect(isLocked(locked.state, at(1000))).toBe(true);
      expect(locked.when(fail(at(1000))).events).toEqual([{ type: 'StaffLoginFailed', data: { staffId, reason: 'locked', ip: null, at: at(1000) } }]);
      expect(locked.when(succeed(null, at(1000))).error?.code).toBe('account-locked');
    });

    it('given a lock that expired, when the next failures reach the threshold, then a lock twice as long', () => {
      const lock: StaffSigninEvent = { type: 'StaffLockedOut', data: { staffId, until: at(LOCK_BASE_MS), level: 0, at: NOW } };
      const later = at(LOCK_BASE_MS + 1);
      const state = given(...failures(LOCKOUT_THRESHOLD), lock, ...Array.from({ length: LOCKOUT_THRESHOLD - 1 }, () => failed(later)));
      expect(isLocked(state.state, later)).toBe(false);
      expect(state.when(fail(later)).events?.[1]).toEqual({ type: 'StaffLockedOut', data: { staffId, until: at(LOCK_BASE_MS + 1 + 2 * LOCK_BASE_MS), level: 1, at: later } });
    });

    it('given a lock, when unlocked, then the account may sign in at once, and the next lock is one minute again', () => {
      const lock: StaffSigninEvent = { type: 'StaffLockedOut', data: { staffId, until: at(LOCK_BASE_MS), level: 3, at: NOW } };
      const unlock = given(lock).when({ type: 'Unlock', staffId, now: NOW }).events ?? [];
      expect(unlock).toEqual([{ type: 'StaffUnlocked', data: { staffId, at: NOW } }]);
      expect(given(lock, ...unlock).when(succeed(null)).events).toHaveLength(1);
      expect(given(lock, ...unlock, ...failures(LOCKOUT_THRESHOLD - 1)).when(fail()).events?.[1]).toMatchObject({ data: { until: at(LOCK_BASE_MS), level: 0 } });
      expect(given().when({ type: 'Unlock', staffId, now: NOW }).events).toEqual([]);
    });

    it('given failures, when a success, then the count starts again', () => {
      const success: StaffSigninEvent = { type: 'StaffLoginSucceeded', data: { staffId, sessionId: 's', mfa: false, timeStep: null, ip: null, at: NOW } };
      expect(given(...failures(LOCKOUT_THRESHOLD - 1), success).when(fail()).events).toEqual([failed()]);
    });

    it('a refusal for a disabled account is recorded and does not count toward a lock', () => {
      const disabled: StaffSigninCommand = { type: 'RecordLoginFailure', staffId, reason: 'disabled', ip: null, now: NOW };
      expect(given(...failures(LOCKOUT_THRESHOLD - 1)).when(disabled).events).toHaveLength(1);
    });
  });

  describe('TOTP replay', () => {
    const success = (timeStep: number): StaffSigninEvent => ({ type: 'StaffLoginSucceeded', data: { staffId, sessionId: 's', mfa: true, timeStep, ip: null, at: NOW } });

    it('given a code of step 100 used, when step 100 or 99 comes again, then mfa-code-replayed; step 101 is accepted', () => {
      expect(given(success(100)).when(succeed(100)).error?.code).toBe('mfa-code-replayed');
      expect(given(success(100)).when(succeed(99)).error?.code).toBe('mfa-code-replayed');
      expect(given(success(100)).when(succeed(101)).events?.[0]).toMatchObject({ data: { timeStep: 101, mfa: true } });
    });

    it('given a sign-in without a code, the last step used is kept', () => {
      const plain: StaffSigninEvent = { type: 'StaffLoginSucceeded', data: { staffId, sessionId: 's', mfa: false, timeStep: null, ip: null, at: NOW } };
      expect(given(success(100), plain).when(succeed(100)).error?.code).toBe('mfa-code-replayed');
    });
  });
});
