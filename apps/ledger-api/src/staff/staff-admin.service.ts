import { Inject, Injectable } from '@nestjs/common';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';
import { StaffAccounts, StaffChange } from '@pi-ledger/access-control/staff-accounts/staff-accounts';
import { hashPassword, generateOneTimePassword } from '@pi-ledger/access-control/staff-accounts/passwords';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { StaffAccount } from '@pi-ledger/ledger-domain/staff/staff-account.decider';
import { isLocked } from '@pi-ledger/ledger-domain/staff/staff-signin.decider';
import { StaffSigninEvent } from '@pi-ledger/ledger-domain/staff/staff-signin.events';
import { eventMetadata, RequestContext } from '../application/request-context';
import { endAccountSessions, StaffSessions } from '@pi-ledger/access-control/staff-accounts/staff-sessions';
import { DepartmentsService } from '../departments/departments.service';
import { assertAssignable } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import type { StaffErrorCode } from '@pi-ledger/ledger-domain/staff/staff.errors';
import { MFA_REQUIRED_ROLES, MfaPolicy } from './mfa-policy';

/** A change after which the tokens an account holds no longer say the truth: its sessions end and every token it holds is refused (the revocation's reason). */
const ENDS_SESSIONS: Partial<Record<StaffChange['type'], string>> = {
  RevokeRole: 'role-revoked',
  SetDepartment: 'department-changed',
  SetPassword: 'password-reset',
  ResetMfa: 'mfa-reset',
  DisableAccount: 'account-disabled',
};

export interface StaffView {
  staffId: string;
  username: string;
  displayName: unknown;
  roles: string[];
  departmentId: string | null;
  status: 'active' | 'disabled';
  passwordChangeRequired: boolean;
  mfa: 'none' | 'pending' | 'enrolled';
  mfaRequired: boolean;
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** What an admin does to staff accounts (/v1/staff, the CLI does the same through StaffAccounts). */
@Injectable()
export class StaffAdminService {
  constructor(
    private readonly accounts: StaffAccounts,
    private readonly sessions: StaffSessions,
    private readonly revocations: RevocationService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(MFA_REQUIRED_ROLES) private readonly mfa: MfaPolicy,
    private readonly departments: DepartmentsService,
  ) {}

  async create(input: { username: string; displayName: string; roles: string[]; departmentId: string | null }, context: RequestContext) {
    await this.assertDepartment(input.departmentId);
    return this.accounts.create(input, eventMetadata(context));
  }

  async change(staffId: string, change: StaffChange, context: RequestContext, ifMatch?: number): Promise<{ version: number; position: number }> {
    if (change.type === 'SetDepartment') await this.assertDepartment(change.departmentId);
    if (change.type === 'DisableAccount' || (change.type === 'RevokeRole' && change.role === 'admin')) await this.keepAnAdmin(staffId);
    const handled = await this.accounts.execute(staffId, change, eventMetadata(context), ifMatch);
    const reason = ENDS_SESSIONS[change.type];
    if (handled.events.length > 0 && reason !== undefined) await this.endSessions(staffId, reason, context);
    return { version: handled.version, position: handled.position };
  }

  /**
   * Disabling the last active admin, or taking its admin role, would leave no one to manage accounts
   * short of the CLI on the database host: 409 `last-admin`. (A race of two admins disabling each
   * other at once can still pass; `ledger staff bootstrap-admin` then recovers.)
   */
  private async keepAnAdmin(staffId: string): Promise<void> {
    const admins = (await this.accounts.list()).filter(({ account }) => account.status === 'active' && account.roles.includes('admin'));
    if (admins.length === 1 && admins[0].account.staffId === staffId) {
      throw new DomainError<StaffErrorCode>('last-admin', 'this is the last active admin: make another admin first', { staffId });
    }
  }

  /** A staff member works in a department that exists and is active (422 `unknown-department` / `inactive-department` naming `departmentId`). */
  private async assertDepartment(departmentId: string | null): Promise<void> {
    if (departmentId !== null && departmentId.trim() !== '') assertAssignable(await this.departments.find(departmentId), departmentId);
  }

  /** A new one-time password, shown once: the person must choose their own at the next sign-in. */
  async resetPassword(staffId: string, context: RequestContext, ifMatch?: number): Promise<{ oneTimePassword: string; version: number; position: number }> {
    await this.accounts.load(staffId); // 404 before the cost of a hash
    const oneTimePassword = generateOneTimePassword();
    const result = await this.change(staffId, { type: 'SetPassword', passwordHash: await hashPassword(oneTimePassword), oneTime: true }, context, ifMatch);
    return { oneTimePassword, ...result };
  }

  async unlock(staffId: string, context: RequestContext): Promise<{ position: number }> {
    await this.accounts.load(staffId);
    const handled = await this.accounts.recordSignin(staffId, { type: 'Unlock' }, eventMetadata(context));
    return { position: handled.position };
  }

  async view(staffId: string): Promise<StaffView> {
    const { account, version } = await this.accounts.load(staffId);
    return this.toView(account, version);
  }

  async list(): Promise<StaffView[]> {
    return Promise.all((await this.accounts.list()).map(({ account, version }) => this.toView(account, version)));
  }

  /** Sign-ins, failures, locks and logouts, newest first; no secret is in them, only the address. */
  async logins(staffId: string, limit: number) {
    await this.accounts.load(staffId);
    const history = await this.accounts.signinHistory(staffId);
    return history
      .slice(-limit)
      .reverse()
      .map(({ event, recorded }) => loginEntry(event, recorded.streamVersion));
  }

  private endSessions(staffId: string, reason: string, context: RequestContext): Promise<void> {
    return endAccountSessions({ accounts: this.accounts, sessions: this.sessions, revocations: this.revocations }, staffId, reason, context, this.clock());
  }

  private async toView(account: StaffAccount, version: number): Promise<StaffView> {
    const signin = await this.accounts.signinState(account.staffId);
    return {
      staffId: account.staffId,
      username: account.username,
      displayName: account.displayName,
      roles: account.roles,
      departmentId: account.departmentId,
      status: account.status,
      passwordChangeRequired: account.password.oneTime,
      mfa: account.mfa.status === 'confirmed' ? 'enrolled' : account.mfa.status,
      mfaRequired: this.mfa.required(account),
      lockedUntil: isLocked(signin, this.clock().toISOString()) ? signin.lockedUntil : null,
      createdAt: account.createdAt,
      updatedAt: account.updatedAt,
      version,
    };
  }
}

const OUTCOME = {
  StaffLoginSucceeded: 'login-succeeded',
  StaffLoginFailed: 'login-failed',
  StaffLockedOut: 'locked',
  StaffUnlocked: 'unlocked',
  StaffLoggedOut: 'logout',
} as const satisfies Record<StaffSigninEvent['type'], string>;

function loginEntry(event: StaffSigninEvent, sequence: number) {
  const base = { sequence, outcome: OUTCOME[event.type], at: event.data.at };
  switch (event.type) {
    case 'StaffLoginSucceeded':
      return { ...base, sessionId: event.data.sessionId, mfa: event.data.mfa, ip: event.data.ip };
    case 'StaffLoginFailed':
      return { ...base, reason: event.data.reason, ip: event.data.ip };
    case 'StaffLockedOut':
      return { ...base, until: event.data.until };
    case 'StaffUnlocked':
      return base;
    case 'StaffLoggedOut':
      return { ...base, sessionId: event.data.sessionId, reason: event.data.reason, ip: event.data.ip };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
