import { Provider } from '@nestjs/common';
import { intervalFromEnv } from '@pi-ledger/platform/scheduling/periodic-sweep';

/** How often the follow-up sweep (plan occurrences, escalations) runs; 0 turns it off. */
export interface FollowUpSweepSchedule {
  intervalMs: number;
}

export const FOLLOW_UP_SWEEP_SCHEDULE = Symbol('FOLLOW_UP_SWEEP_SCHEDULE');

/** `LEDGER_FOLLOW_UP_SWEEP_INTERVAL_MINUTES`: 0 (off) to 10080, default 15. Anything else fails the start. */
export const followUpSweepScheduleProvider: Provider = {
  provide: FOLLOW_UP_SWEEP_SCHEDULE,
  useFactory: (): FollowUpSweepSchedule => ({ intervalMs: intervalFromEnv(process.env, 'LEDGER_FOLLOW_UP_SWEEP_INTERVAL_MINUTES', 15) }),
};
