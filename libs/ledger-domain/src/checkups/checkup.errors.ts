/** Codes of the check-up records' refusals (mapped to HTTP in apps/ledger-api/src/checkups/checkups.module.ts). */
export type CheckupErrorCode = 'checkup-exists' | 'checkup-not-found';
