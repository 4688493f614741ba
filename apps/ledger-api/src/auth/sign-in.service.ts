import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@pi-ledger/access-control/actor';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { openedSecret, StaffAccounts } from '@pi-ledger/access-control/staff-accounts/staff-accounts';
import { dummyHash, verifyPassword } from '@pi-ledger/access-control/staff-accounts/passwords';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { StaffAccount, USERNAME_PATTERN } from '@pi-ledger/ledger-domain/staff/staff-account.decider';
import { isLocked } from '@pi-ledger/ledger-domain/staff/staff-signin.decider';
import type { LoginFailureReason, LogoutReason } from '@pi-ledger/ledger-domain/staff/staff-signin.events';
import type { EventMetadata } from '@pi-ledger/event-store/event-store.port';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { MFA_REQUIRED_ROLES, MfaPolicy } from '../staff/mfa-policy';
import { StaffSessions } from '@pi-ledger/access-control/staff-accounts/staff-sessions';
import { invalidCode, invalidCredentials, invalidRefreshToken, refreshTokenReused } from './auth.problems';
import { StepTokens } from './step-tokens';
import { acceptedTimeStep } from './totp';

/** Access tokens live this long; the console refreshes them with the rotating refresh token. */
export const ACCESS_TOKEN_TTL_SECONDS = 900;

export interface Signed {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  sessionId: string;
  sessionExpiresAt: string;
  staffId: string;
}

/** Where a sign-in stands after a correct password: signed in, or one more step. */
export type SignInOutcome =
  | ({ status: 'signed-in' } & Signed)
  | { status: 'mfa-required'; mfaRequired: true; challenge: string }
  | { status: 'mfa-enrolment-required'; mfaEnrolmentRequired: true; enrolmentToken: string }
  | { status: 'password-change-required'; passwordChangeRequired: true; passwordToken: string };

/** Who acts in a sign-in's events: the account once it proved itself, nobody known before. */
export const actingAs = (staffId: string | null, roles: readonly string[] = []): EventMetadata => ({
  actor: staffId ?? 'unauthenticated',
  roles: [...roles],
  correlationId: 'sign-in',
});

/**
 * Sign-in: password (argon2id), then TOTP or enrolment or a new password, then a session with a
 * short-lived access token and a rotating refresh token. Every refusal before the account is proven
 * answers the same 401, after the same hash: an unknown username is checked against a dummy hash.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly accounts: StaffAccounts,
    private readonly sessions: StaffSessions,
    private readonly tokens: TokenService,
    private readonly steps: StepTokens,
    private readonly revocations: RevocationService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(MFA_REQUIRED_ROLES) private readonly mfa: MfaPolicy,
  ) {}

  async login(username: string, password: string, ip: string): Promise<SignInOutcome> {
    const name = username.trim().toLowerCase();
    const staffId = USERNAME_PATTERN.test(name) ? await this.accounts.staffIdOf(name) : undefined;
    if (staffId === undefined) {
      await verifyPassword(await dummyHash(), password);
      throw invalidCredentials();
    }
    const { account } = await this.accounts.load(staffId);
    if (isLocked(await this.accounts.signinState(staffId), this.now())) {
      await verifyPassword(await dummyHash(), password);
      return this.refuse(staffId, 'locked', ip);
    }
    if (!(await verifyPassword(openedSecret(account.password.hash), password))) return this.refuse(staffId, 'password', ip);
    if (account.status === 'disabled') return this.refuse(staffId, 'disabled', ip);
    return this.nextStep(account, ip);
  }

  /** After a correct password (or a new one): the step the account still owes, else a session. */
  async nextStep(account: StaffAccount, ip: string): Promise<SignInOutcome> {
    if (account.password.oneTime) return { status: 'password-change-required', passwordChangeRequired: true, passwordToken: await this.steps.issue('password-change', account) };
    if (account.mfa.status === 'confirmed') return { status: 'mfa-required', mfaRequired: true, challenge: await this.steps.issue('mfa-challenge', account) };
    if (this.mfa.required(account)) return { status: 'mfa-enrolment-required', mfaEnrolmentRequired: true, enrolmentToken: await this.steps.issue('mfa-enrolment', account) };
    return { status: 'signed-in', ...(await this.openSession(account, null, ip)) };
  }

  async completeMfa(challenge: string, code: string, ip: string): Promise<Signed> {
    const staffId = await this.steps.verify(challenge, 'mfa-challenge', 'challenge');
    const { account } = await this.accounts.load(staffId);
    const signin = await this.accounts.signinState(staffId);
    if (account.status === 'disabled' || account.mfa.status !== 'confirmed') return this.refuse(staffId, 'disabled', ip);
    if (isLocked(signin, this.now())) return this.refuse(staffId, 'locked', ip);
    const usedUpTo = Math.max(signin.lastTimeStep ?? -1, account.mfa.timeStep);
    const step = await acceptedTimeStep(openedSecret(account.mfa.totpSecret), code, this.clock(), usedUpTo);
    if (step === null) {
      await this.accounts.recordSignin(staffId, { type: 'RecordLoginFailure', reason: 'mfa', ip }, actingAs(null));
      throw invalidCode();
    }
    return this.openSession(account, step, ip);
  }

  /** A session for a proven account: the sign-in's event first (the decider refuses a lock or a replayed step), then its rows and tokens. */
  async openSession(account: StaffAccount, timeStep: number | null, ip: string): Promise<Signed> {
    const sessionId = this.sessions.newSessionId();
    try {
      await this.accounts.recordSignin(account.staffId, { type: 'RecordLoginSuccess', sessionId, timeStep, ip }, actingAs(account.staffId, account.roles));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'mfa-code-replayed') throw invalidCode();
      if (error instanceof DomainError && error.code === 'account-locked') throw invalidCredentials();
      throw error;
    }
    const { refreshToken, expiresAt } = await this.sessions.open(sessionId, account.staffId, this.clock());
    return { ...(await this.accessToken(account, sessionId)), refreshToken, sessionId, sessionExpiresAt: expiresAt };
  }

  async refresh(refreshToken: string, ip: string): Promise<Signed> {
    const rotation = await this.sessions.rotate(refreshToken, this.clock());
    if (rotation.status === 'invalid') throw invalidRefreshToken();
    if (rotation.status === 'reused') {
      await this.endSession(rotation.staffId, rotation.sessionId, 'refresh-token-reused', ip);
      throw refreshTokenReused();
    }
    const { account } = await this.accounts.load(rotation.staffId);
    // disabled, or now holding a role that needs a second factor it has not enrolled (a role granted
    // since it signed in, or a wider LEDGER_MFA_REQUIRED_ROLES): sign in again, and enrol
    if (account.status === 'disabled' || (this.mfa.required(account) && account.mfa.status !== 'confirmed')) {
      await this.endSession(rotation.staffId, rotation.sessionId, 'account-changed', ip);
      throw invalidRefreshToken();
    }
    const session = (await this.sessions.get(rotation.sessionId))!;
    return { ...(await this.accessToken(account, rotation.sessionId)), refreshToken: rotation.refreshToken, sessionId: rotation.sessionId, sessionExpiresAt: session.expiresAt };
  }

  /** Ends a session (its refresh token stops working) and records who ended it and why. */
  async endSession(staffId: string, sessionId: string, reason: LogoutReason, ip: string | null, by?: Actor): Promise<boolean> {
    // its access tokens are refused on every process within 2 s, whether or not it was still open here
    await this.revocations.revokeSession(sessionId, reason, by ? { actor: by, correlationId: 'sign-in' } : undefined);
    const ended = await this.sessions.end(sessionId, reason, this.clock());
    if (ended) await this.accounts.recordSignin(staffId, { type: 'RecordLogout', sessionId, reason, ip }, by ? { ...actingAs(by.id, by.roles) } : actingAs(staffId));
    return ended;
  }

  private async accessToken(account: StaffAccount, sessionId: string): Promise<Pick<Signed, 'accessToken' | 'tokenType' | 'expiresIn' | 'staffId'>> {
    const accessToken = await this.tokens.sign({
      sub: account.staffId,
      roles: account.roles,
      sessionId,
      ...(account.departmentId ? { departmentId: account.departmentId } : {}),
      ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS, staffId: account.staffId };
  }

  /** Records the refusal (it may lock the account) and answers as for any wrong password. */
  private async refuse(staffId: string, reason: LoginFailureReason, ip: string): Promise<never> {
    await this.accounts.recordSignin(staffId, { type: 'RecordLoginFailure', reason, ip }, actingAs(null));
    throw invalidCredentials();
  }

  private now(): string {
    return this.clock().toISOString();
  }
}
