/**
 * A value the ledger seals before append (StaffEventCodec, libs/pii-vault): the decider sees it as
 * given and never reads it. Plain in a command, sealed in the log.
 */
export type Sealable = string | { readonly [member: string]: string | number };

/**
 * The facts of one staff account (stream `staff-account-<staffId>`). The display name, the password
 * hash and the TOTP secret are sealed under the account's own vault keys; everything else is clear.
 */
export type StaffAccountEvent =
  | {
      type: 'StaffAccountCreated';
      data: { staffId: string; username: string; displayName: Sealable; roles: string[]; departmentId: string | null; createdAt: string };
    }
  | { type: 'StaffRoleGranted'; data: { staffId: string; role: string; grantedAt: string } }
  | { type: 'StaffRoleRevoked'; data: { staffId: string; role: string; revokedAt: string } }
  | { type: 'StaffDepartmentSet'; data: { staffId: string; departmentId: string | null; setAt: string } }
  /** `oneTime`: set by an admin, it only lets its holder choose a password of their own. */
  | { type: 'StaffPasswordSet'; data: { staffId: string; passwordHash: Sealable; oneTime: boolean; setAt: string } }
  | { type: 'StaffMfaEnrolmentStarted'; data: { staffId: string; totpSecret: Sealable; startedAt: string } }
  /** `timeStep`: the RFC 6238 step of the code that confirmed it, so that code is not accepted again. */
  | { type: 'StaffMfaConfirmed'; data: { staffId: string; timeStep: number; confirmedAt: string } }
  | { type: 'StaffMfaReset'; data: { staffId: string; resetAt: string } }
  | { type: 'StaffAccountDisabled'; data: { staffId: string; disabledAt: string } }
  | { type: 'StaffAccountEnabled'; data: { staffId: string; enabledAt: string } };

export type StaffAccountEventType = StaffAccountEvent['type'];
