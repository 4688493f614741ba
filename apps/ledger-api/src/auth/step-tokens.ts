import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, SignJWT } from 'jose';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { StaffAccounts } from '@pi-ledger/access-control/staff-accounts/staff-accounts';
import type { StaffAccount } from '@pi-ledger/ledger-domain/staff/staff-account.decider';

/** What a step token lets its holder do, and nothing else. */
export type SignInStep = 'mfa-challenge' | 'mfa-enrolment' | 'password-change';

const LIFETIME_SECONDS: Record<SignInStep, number> = { 'mfa-challenge': 300, 'mfa-enrolment': 900, 'password-change': 900 };

/**
 * Short-lived signed tokens between the steps of a sign-in (a correct password, then a TOTP code,
 * an enrolment or a new password). Signed with a key of their own, derived from the vault's secret
 * key, never with the access tokens' key: no step token is ever a bearer token, and none stands for
 * another step (the audience names the step). Times from the ledger's clock, as the TOTP check's.
 * Each is bound to the password it followed (`pwd`: when that password was set): a password reset by
 * an admin, or a disabled account, ends every step token still pending.
 */
@Injectable()
export class StepTokens {
  private readonly key: Uint8Array;

  constructor(
    @Inject(PII_VAULT) vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly accounts: StaffAccounts,
  ) {
    this.key = Buffer.from(vault.keyedDigest('auth-step-token-key', 'v1'), 'hex');
  }

  issue(step: SignInStep, account: Pick<StaffAccount, 'staffId' | 'password'>): Promise<string> {
    const now = Math.floor(this.clock().getTime() / 1000);
    return new SignJWT({ pwd: account.password.setAt })
      .setProtectedHeader({ alg: 'HS256', typ: 'pi-ledger-step+jwt' })
      .setSubject(account.staffId)
      .setAudience(`pi-ledger/auth/${step}`)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + LIFETIME_SECONDS[step])
      .sign(this.key);
  }

  /** The staff id the token was issued to, while its password stands and the account is active; or 401 invalid-step-token naming `path`. */
  async verify(token: string, step: SignInStep, path: string): Promise<string> {
    const invalid = () =>
      new ProblemException(401, 'invalid-step-token', 'Invalid or expired sign-in step', `${path} is invalid or has expired: sign in again`, [
        { path, message: 'invalid or expired' },
      ]);
    let staffId: string;
    let setAt: unknown;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: `pi-ledger/auth/${step}`,
        currentDate: this.clock(),
        requiredClaims: ['sub', 'exp', 'pwd'],
      });
      staffId = payload.sub as string;
      setAt = payload.pwd;
    } catch (error) {
      if (!(error instanceof errors.JOSEError)) throw error;
      throw invalid();
    }
    const { account } = await this.accounts.load(staffId);
    if (account.status !== 'active' || account.password.setAt !== setAt) throw invalid();
    return staffId;
  }
}
