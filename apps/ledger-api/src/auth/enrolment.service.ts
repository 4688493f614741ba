import { Inject, Injectable } from '@nestjs/common';
import { toDataURL } from 'qrcode';
import { openedSecret, StaffAccounts } from '@pi-ledger/access-control/staff-accounts/staff-accounts';
import { StaffSessions } from '@pi-ledger/access-control/staff-accounts/staff-sessions';
import { isLocked } from '@pi-ledger/ledger-domain/staff/staff-signin.decider';
import { assertPasswordPolicy, hashPassword, verifyPassword } from '@pi-ledger/access-control/staff-accounts/passwords';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { invalidCode, invalidCredentials } from './auth.problems';
import { actingAs, SignInOutcome, SignInService } from './sign-in.service';
import { acceptedTimeStep, newTotpSecret, otpauthUri } from './totp';

/** TOTP enrolment and password changes: by a signed-in person, or as a step of a sign-in (with a step token). */
@Injectable()
export class EnrolmentService {
  constructor(
    private readonly accounts: StaffAccounts,
    private readonly signIn: SignInService,
    private readonly sessions: StaffSessions,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {}

  /** A new TOTP secret, sealed in the account's stream until a first code confirms it. */
  async start(staffId: string): Promise<{ otpauthUri: string; qrCode: string; secret: string }> {
    const { account } = await this.accounts.load(staffId);
    if (account.status === 'disabled') throw invalidCredentials();
    const secret = newTotpSecret();
    await this.accounts.execute(staffId, { type: 'StartMfaEnrolment', totpSecret: secret }, actingAs(staffId, account.roles));
    const uri = otpauthUri(account.username, secret);
    return { otpauthUri: uri, qrCode: await toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2 }), secret };
  }

  /** Confirms the enrolment with a first valid code; as a sign-in step, the session follows. */
  async confirm(staffId: string, code: string, ip: string, asSignInStep: boolean): Promise<SignInOutcome | { status: 'enrolled'; mfa: 'enrolled' }> {
    const { account } = await this.accounts.load(staffId);
    if (account.status === 'disabled') throw invalidCredentials();
    if (account.mfa.status !== 'pending') throw new ProblemException(409, 'mfa-not-pending', 'No MFA enrolment to confirm', 'start an enrolment first');
    const signin = await this.accounts.signinState(staffId);
    const step = await acceptedTimeStep(openedSecret(account.mfa.totpSecret), code, this.clock(), signin.lastTimeStep);
    if (step === null) {
      await this.accounts.recordSignin(staffId, { type: 'RecordLoginFailure', reason: 'mfa', ip }, actingAs(null));
      throw invalidCode();
    }
    const handled = await this.accounts.execute(staffId, { type: 'ConfirmMfa', timeStep: step }, actingAs(staffId, account.roles));
    if (!asSignInStep || handled.state.status === 'absent') return { status: 'enrolled', mfa: 'enrolled' };
    return { status: 'signed-in', ...(await this.signIn.openSession(handled.state, step, ip)) };
  }

  /**
   * A password of one's own in place of a one-time one (then the sign-in goes on), or in place of
   * the current one by a signed-in person: refused while the account is locked (the lock counts
   * wrong current passwords as it counts wrong sign-ins), and every other session of the account
   * ends (whoever else held the old password is signed out); the session that changed it goes on.
   */
  async changePassword(
    staffId: string,
    newPassword: string,
    ip: string,
    current: { password: string; sessionId?: string } | 'one-time',
  ): Promise<SignInOutcome | { status: 'changed'; otherSessionsEnded?: number }> {
    const { account } = await this.accounts.load(staffId);
    if (account.status === 'disabled') throw invalidCredentials();
    if (current === 'one-time') {
      // the step token is good for one change only: once the one-time password is replaced it is spent
      if (!account.password.oneTime) throw new ProblemException(401, 'invalid-step-token', 'Invalid or expired sign-in step', 'passwordToken was used already: sign in again');
    } else {
      if (isLocked(await this.accounts.signinState(staffId), this.clock().toISOString()))
        throw new ProblemException(403, 'account-locked', 'Account locked', 'too many wrong passwords: wait for the lock to end or ask an admin to unlock the account');
      if (!(await verifyPassword(openedSecret(account.password.hash), current.password))) {
        await this.accounts.recordSignin(staffId, { type: 'RecordLoginFailure', reason: 'password', ip }, actingAs(null));
        throw new ProblemException(403, 'current-password-incorrect', 'Current password incorrect', 'currentPassword is wrong', [{ path: 'currentPassword', message: 'is wrong' }]);
      }
    }
    assertPasswordPolicy(newPassword, account.username);
    const handled = await this.accounts.execute(staffId, { type: 'SetPassword', passwordHash: await hashPassword(newPassword), oneTime: false }, actingAs(staffId, account.roles));
    if (current !== 'one-time') {
      const others = (await this.sessions.active(staffId, this.clock())).filter((session) => session.sessionId !== current.sessionId);
      for (const session of others) await this.signIn.endSession(staffId, session.sessionId, 'account-changed', ip);
      return { status: 'changed', otherSessionsEnded: others.length };
    }
    if (handled.state.status === 'absent') return { status: 'changed' };
    const { account: updated } = await this.accounts.load(staffId);
    return this.signIn.nextStep(updated, ip);
  }
}
