/** Why a staff-account or sign-in command was refused (mapped to HTTP by the staff and auth modules). */
export type StaffErrorCode =
  | 'staff-not-found'
  | 'staff-account-exists'
  | 'staff-needs-a-role'
  | 'last-admin'
  | 'staff-account-disabled'
  | 'mfa-already-enrolled'
  | 'mfa-not-pending'
  | 'account-locked'
  | 'mfa-code-replayed';
