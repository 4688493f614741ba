/** Codes of the follow-up tasks' and plans' refusals (mapped to HTTP in apps/ledger-api/src/follow-ups/follow-ups.module.ts). */
export type FollowUpErrorCode = 'follow-up-not-found' | 'follow-up-not-open' | 'follow-up-exists' | 'follow-up-plan-not-found' | 'follow-up-plan-ended' | 'follow-up-plan-exists';
