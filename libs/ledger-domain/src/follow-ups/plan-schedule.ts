/** The units a recurring plan counts its interval in. */
export const PLAN_INTERVAL_UNITS = ['days', 'weeks', 'months'] as const;
export type PlanIntervalUnit = (typeof PLAN_INTERVAL_UNITS)[number];

/**
 * When a recurring follow-up plan's tasks fall due: occurrence k (from 1) is due `(k - 1) × every
 * unit` after `startDate`, always counted from the start, so month ends never drift (Jan 31 every
 * month: Feb 28 or 29, Mar 31, Apr 30). Each task opens `leadDays` before it is due. The plan ends
 * after `occurrences` tasks, or with the last one due on or before `endDate`, whichever comes first.
 */
export interface PlanSchedule {
  every: number;
  unit: PlanIntervalUnit;
  startDate: string;
  endDate: string | null;
  occurrences: number | null;
  leadDays: number;
}

const DAY_MS = 86_400_000;

/**
 * `date` (YYYY-MM-DD) moved by `n` units; a month added to a day its month lacks lands on the last
 * day (Jan 31 + 1 month = Feb 28/29). Plain UTC calendar arithmetic on dates, no time zone involved.
 */
export function addToDate(date: string, n: number, unit: PlanIntervalUnit): string {
  const [year, month, day] = date.split('-').map(Number);
  if (unit !== 'months') return new Date(Date.UTC(year, month - 1, day) + n * (unit === 'weeks' ? 7 : 1) * DAY_MS).toISOString().slice(0, 10);
  const months = month - 1 + n;
  const [targetYear, targetMonth] = [year + Math.floor(months / 12), ((months % 12) + 12) % 12];
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return new Date(Date.UTC(targetYear, targetMonth, Math.min(day, lastDay))).toISOString().slice(0, 10);
}

export function dueDateOf(schedule: PlanSchedule, occurrence: number): string {
  return addToDate(schedule.startDate, (occurrence - 1) * schedule.every, schedule.unit);
}

/** The day the task of `occurrence` is opened: `leadDays` before it is due. */
export function openDateOf(schedule: PlanSchedule, occurrence: number): string {
  return addToDate(dueDateOf(schedule, occurrence), -schedule.leadDays, 'days');
}

/** Why a plan has no `occurrence` (null: it has): past its count, or due after its end date. */
export function exhaustedBy(schedule: PlanSchedule, occurrence: number): 'count-reached' | 'end-date-reached' | null {
  if (schedule.occurrences !== null && occurrence > schedule.occurrences) return 'count-reached';
  if (schedule.endDate !== null && dueDateOf(schedule, occurrence) > schedule.endDate) return 'end-date-reached';
  return null;
}

/** The first occurrence from `from` on that is not yet due before `today`: where a resumed plan picks up (what fell due while paused is skipped). */
export function firstOccurrenceDueFrom(schedule: PlanSchedule, from: number, today: string): number {
  let occurrence = from;
  // bounded by the calendar: even daily plans reach today within a few thousand steps
  while (dueDateOf(schedule, occurrence) < today && exhaustedBy(schedule, occurrence) === null) occurrence++;
  return occurrence;
}
