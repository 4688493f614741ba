/**
 * Mainland resident identity numbers (GB 11643-1999): 6-digit region, 8-digit birth date,
 * 3-digit sequence, and a check character (ISO 7064 MOD 11-2, 'X' for 10).
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export type ResidentIdProblem = 'format' | 'check-digit' | 'birth-date';

export function residentIdProblem(value: string): ResidentIdProblem | undefined {
  const id = value.trim().toUpperCase();
  if (!/^[1-9]\d{16}[\dX]$/.test(id)) return 'format';
  const sum = WEIGHTS.reduce((total, weight, index) => total + weight * Number(id[index]), 0);
  if (CHECK[sum % 11] !== id[17]) return 'check-digit';
  if (!isRealDate(residentIdBirthDate(id))) return 'birth-date';
  return undefined;
}

/** The birth date embedded in an 18-character number, as YYYY-MM-DD. */
export function residentIdBirthDate(value: string): string {
  const id = value.trim();
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}

export function isRealDate(isoDate: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === isoDate;
}

/** Whole years between a birth date and a moment, as used for the under-14 rule (PIPL Art. 31). */
export function ageInYears(birthDate: string, at: Date): number {
  const [year, month, day] = birthDate.split('-').map(Number);
  const now = { year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate() };
  const birthdayPassed = now.month > month || (now.month === month && now.day >= day);
  return now.year - year - (birthdayPassed ? 0 : 1);
}
