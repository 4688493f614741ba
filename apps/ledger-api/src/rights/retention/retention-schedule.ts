import { Provider } from '@nestjs/common';

/** How often the retention scheduler sweeps; 0 turns it off. */
export interface RetentionSchedule {
  intervalMs: number;
}

export const RETENTION_SCHEDULE = Symbol('RETENTION_SCHEDULE');
export const DEFAULT_RETENTION_INTERVAL_MINUTES = 60;
const VARIABLE = 'LEDGER_RETENTION_INTERVAL_MINUTES';

/** `LEDGER_RETENTION_INTERVAL_MINUTES`: 0 (off) to 10080 (a week), default 60. Anything else fails the start. */
export function retentionScheduleFrom(env: NodeJS.ProcessEnv): RetentionSchedule {
  const raw = env[VARIABLE];
  if (raw === undefined || raw === '') return { intervalMs: DEFAULT_RETENTION_INTERVAL_MINUTES * 60_000 };
  const minutes = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || minutes > 10_080) throw new Error(`${VARIABLE} must be an integer from 0 (off) to 10080 minutes, got ${JSON.stringify(raw)}`);
  return { intervalMs: minutes * 60_000 };
}

export const retentionScheduleProvider: Provider = { provide: RETENTION_SCHEDULE, useFactory: () => retentionScheduleFrom(process.env) };
