import { Provider } from '@nestjs/common';
import { intervalFromEnv } from '@pi-ledger/platform/scheduling/periodic-sweep';

/** How often the retention scheduler sweeps; 0 turns it off. */
export interface RetentionSchedule {
  intervalMs: number;
}

export const RETENTION_SCHEDULE = Symbol('RETENTION_SCHEDULE');
export const DEFAULT_RETENTION_INTERVAL_MINUTES = 60;
const VARIABLE = 'LEDGER_RETENTION_INTERVAL_MINUTES';

/** `LEDGER_RETENTION_INTERVAL_MINUTES`: 0 (off) to 10080 (a week), default 60. Anything else fails the start. */
export function retentionScheduleFrom(env: NodeJS.ProcessEnv): RetentionSchedule {
  return { intervalMs: intervalFromEnv(env, VARIABLE, DEFAULT_RETENTION_INTERVAL_MINUTES) };
}

export const retentionScheduleProvider: Provider = { provide: RETENTION_SCHEDULE, useFactory: () => retentionScheduleFrom(process.env) };
