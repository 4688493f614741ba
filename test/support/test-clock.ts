import { LedgerClock, pinnedClock } from '../../libs/platform/src/clock/ledger-clock';

/**
 * The instant at which startTestApi's ledger clock starts, unless a spec passes its own: Monday
 * 1 June 2026, 10:00 in China (02:00 UTC, the same date in both). The ledger takes every decision's
 * time from this clock (ages, due dates, hold expiry, retention), so specs derive their dates from
 * it, never from the host's calendar: the suite passes on any day the machine thinks it is.
 */
export const TEST_NOW = '2026-06-01T02:00:00.000Z';

export const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** A ledger clock pinned at `start` (default TEST_NOW), then running at the host's pace. */
export function testClock(start: string | Date = TEST_NOW): LedgerClock {
  return pinnedClock(start);
}

/** A ledger clock pinned at `start` that a spec moves forward (`to(ms)`: that far ahead of the pinned time; `to(0)`: back). */
export function movableClock(start: string | Date = TEST_NOW): { clock: LedgerClock; to(aheadMs: number): void } {
  const pinned = pinnedClock(start);
  let ahead = 0;
  return {
    clock: () => new Date(pinned().getTime() + ahead),
    to: (aheadMs) => void (ahead = aheadMs),
  };
}

/** The instant `days` days (fractions allowed) after `from` (default TEST_NOW); negative: before. */
export function daysAfter(days: number, from: string | Date = TEST_NOW): Date {
  return new Date(new Date(from).getTime() + days * DAY_MS);
}

/** The calendar date in China (UTC+8), YYYY-MM-DD, `days` days after `from` (default TEST_NOW). */
export function chinaDate(days = 0, from: string | Date = TEST_NOW): string {
  return new Date(daysAfter(days, from).getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The date `days` days after the date `date` (YYYY-MM-DD), calendar arithmetic only. */
export function dateAfter(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The birth date of someone who turned `years` old `daysSince` days before `from`'s date in China
 * (default TEST_NOW): `bornYearsAgo(10)` is ten today, `bornYearsAgo(14, -1)` turns 14 tomorrow.
 */
export function bornYearsAgo(years: number, daysSince = 0, from: string | Date = TEST_NOW): string {
  const [year, month, day] = chinaDate(0, from).split('-').map(Number);
  return new Date(Date.UTC(year - years, month - 1, day) - daysSince * DAY_MS).toISOString().slice(0, 10);
}

/** The year of `from` (default TEST_NOW) in China. */
export function chinaYear(from: string | Date = TEST_NOW): number {
  return Number(chinaDate(0, from).slice(0, 4));
}
