import { DomainError } from '../domain-error';
import type { StaffErrorCode } from './staff.errors';
import type { Sealable } from './staff-account.events';
import { LoginFailureReason, LogoutReason, StaffSigninEvent } from './staff-signin.events';

export const staffSigninStream = (staffId: string) => `staff-signin-${staffId}`;

/** Consecutive failed passwords or codes that lock an account; the first lock lasts LOCK_BASE_MS, each further one twice the last. */
export const LOCKOUT_THRESHOLD = 5;
export const LOCK_BASE_MS = 60_000;
export const LOCK_MAX_MS = 24 * 3_600_000;

export interface StaffSigninState {
  /** Failed passwords or codes since the last success, lock or unlock. */
  failures: number;
  /** Locks since the last success or unlock: the next lock lasts LOCK_BASE_MS × 2^level. */
  level: number;
  lockedUntil: string | null;
  /** The newest TOTP step accepted: a code of that step or an earlier one is never accepted again. */
  lastTimeStep: number | null;
}

export type StaffSigninCommand =
  | { type: 'RecordLoginFailure'; staffId: string; reason: LoginFailureReason; ip: Sealable | null; now: string }
  | { type: 'RecordLoginSuccess'; staffId: string; sessionId: string; timeStep: number | null; ip: Sealable | null; now: string }
  | { type: 'Unlock'; staffId: string; now: string }
  | { type: 'RecordLogout'; staffId: string; sessionId: string; reason: LogoutReason; ip: Sealable | null; now: string };

export function initialSignin(): StaffSigninState {
  return { failures: 0, level: 0, lockedUntil: null, lastTimeStep: null };
}

export function evolveSignin(state: StaffSigninState, event: StaffSigninEvent): StaffSigninState {
  switch (event.type) {
    case 'StaffLoginSucceeded':
      return { failures: 0, level: 0, lockedUntil: null, lastTimeStep: event.data.timeStep ?? state.lastTimeStep };
    case 'StaffLoginFailed':
      return event.data.reason === 'password' || event.data.reason === 'mfa' ? { ...state, failures: state.failures + 1 } : state;
    case 'StaffLockedOut':
      return { ...state, failures: 0, level: event.data.level + 1, lockedUntil: event.data.until };
    case 'StaffUnlocked':
      return { ...state, failures: 0, level: 0, lockedUntil: null };
    case 'StaffLoggedOut':
      return state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function isLocked(state: StaffSigninState, now: string): boolean {
  return state.lockedUntil !== null && Date.parse(state.lockedUntil) > Date.parse(now);
}

export function decideSignin(command: StaffSigninCommand, state: StaffSigninState): StaffSigninEvent[] {
  const { staffId, now } = command;
  switch (command.type) {
    case 'RecordLoginFailure': {
      // while locked nothing is checked, so an attempt then neither counts nor extends the lock
      const reason = isLocked(state, now) ? 'locked' : command.reason;
      const failed: StaffSigninEvent = { type: 'StaffLoginFailed', data: { staffId, reason, ip: command.ip, at: now } };
      const counts = reason === 'password' || reason === 'mfa';
      if (!counts || state.failures + 1 < LOCKOUT_THRESHOLD) return [failed];
      const until = new Date(Date.parse(now) + Math.min(LOCK_MAX_MS, LOCK_BASE_MS * 2 ** state.level)).toISOString();
      return [failed, { type: 'StaffLockedOut', data: { staffId, until, level: state.level, at: now } }];
    }
    case 'RecordLoginSuccess':
      if (isLocked(state, now)) throw new DomainError<StaffErrorCode>('account-locked', 'the account is locked after repeated failures', { lockedUntil: state.lockedUntil });
      if (command.timeStep !== null && state.lastTimeStep !== null && command.timeStep <= state.lastTimeStep) {
        throw new DomainError<StaffErrorCode>('mfa-code-replayed', 'this code, or a later one, was used already');
      }
      return [
        { type: 'StaffLoginSucceeded', data: { staffId, sessionId: command.sessionId, mfa: command.timeStep !== null, timeStep: command.timeStep, ip: command.ip, at: now } },
      ];
    case 'Unlock':
      return state.failures === 0 && state.level === 0 && state.lockedUntil === null ? [] : [{ type: 'StaffUnlocked', data: { staffId, at: now } }];
    case 'RecordLogout':
      return [{ type: 'StaffLoggedOut', data: { staffId, sessionId: command.sessionId, reason: command.reason, ip: command.ip, at: now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
