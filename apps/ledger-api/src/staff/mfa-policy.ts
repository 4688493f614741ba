import { DEFAULT_MFA_REQUIRED_ROLES, mfaRequired, StaffAccount } from '@pi-ledger/ledger-domain/staff/staff-account.decider';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { STAFF_ROLES } from './staff-roles';

export const MFA_REQUIRED_ROLES = Symbol('MFA_REQUIRED_ROLES');

/** Which accounts must sign in with a second factor: those holding any of the configured roles (LEDGER_MFA_REQUIRED_ROLES). */
export class MfaPolicy {
  constructor(readonly roles: readonly string[]) {
    const unknown = roles.filter((role) => !(STAFF_ROLES as readonly string[]).includes(role));
    if (unknown.length > 0) throw new Error(`LEDGER_MFA_REQUIRED_ROLES names roles a staff account cannot hold: ${unknown.join(', ')}`);
  }

  static of(config: Pick<LedgerConfig, 'mfaRequiredRoles'>): MfaPolicy {
    return new MfaPolicy(config.mfaRequiredRoles ?? DEFAULT_MFA_REQUIRED_ROLES);
  }

  required(account: StaffAccount): boolean {
    return mfaRequired(account, this.roles);
  }
}
