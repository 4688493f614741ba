import type { Sealable } from './staff-account.events';

/** Why a sign-in was refused, as recorded (the caller is always told the same). */
export type LoginFailureReason = 'password' | 'mfa' | 'locked' | 'disabled';
export type LogoutReason = 'logout' | 'session-deleted' | 'refresh-token-reused' | 'account-changed';

/**
 * The sign-in history of one staff account (stream `staff-signin-<staffId>`), apart from the
 * account's own stream so that signing in never moves the version an admin's If-Match is based on.
 * `ip` is sealed under the account's keys.
 */
export type StaffSigninEvent =
  | { type: 'StaffLoginSucceeded'; data: { staffId: string; sessionId: string; mfa: boolean; timeStep: number | null; ip: Sealable | null; at: string } }
  | { type: 'StaffLoginFailed'; data: { staffId: string; reason: LoginFailureReason; ip: Sealable | null; at: string } }
  | { type: 'StaffLockedOut'; data: { staffId: string; until: string; level: number; at: string } }
  | { type: 'StaffUnlocked'; data: { staffId: string; at: string } }
  | { type: 'StaffLoggedOut'; data: { staffId: string; sessionId: string; reason: LogoutReason; ip: Sealable | null; at: string } };

export type StaffSigninEventType = StaffSigninEvent['type'];
