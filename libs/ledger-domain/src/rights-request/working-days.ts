/**
 * Deadlines in working days (PIPL Art. 50 says "timely"; the default is 15 working days):
 * weekends and the configured holidays (YYYY-MM-DD, China's calendar) do not count.
 */
export interface WorkingCalendar {
  holidays: ReadonlySet<string>;
  /** Make-up working days that fall on a weekend (调休), also YYYY-MM-DD. */
  workingWeekends?: ReadonlySet<string>;
}

export function addWorkingDays(from: Date, days: number, calendar: WorkingCalendar): Date {
  const at = new Date(from);
  for (let added = 0; added < days;) {
    at.setUTCDate(at.getUTCDate() + 1);
    if (isWorkingDay(at, calendar)) added++;
  }
  return at;
}

export function isWorkingDay(date: Date, calendar: WorkingCalendar): boolean {
  // days are counted in China time (UTC+8)
  const local = new Date(date.getTime() + 8 * 3600_000);
  const day = local.toISOString().slice(0, 10);
  if (calendar.workingWeekends?.has(day)) return true;
  const weekday = local.getUTCDay();
  return weekday !== 0 && weekday !== 6 && !calendar.holidays.has(day);
}
