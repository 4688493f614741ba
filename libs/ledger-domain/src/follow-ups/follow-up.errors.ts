/** Codes of the follow-up tasks' refusals (mapped to HTTP in apps/ledger-api/src/follow-ups/follow-ups.module.ts). */
export type FollowUpErrorCode = 'follow-up-not-found' | 'follow-up-not-open' | 'follow-up-exists';
