/** GB 11643-1999 resident ID numbers, checked as they are typed (the API checks them again). */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export type ResidentIdCheck = { ok: true; birthDate: string } | { ok: false; reason: 'length' | 'characters' | 'birth-date' | 'check-digit' };

/** The verdict on a complete number; `partial` is true while it may still be being typed. */
export function checkResidentId(raw: string): ResidentIdCheck & { partial: boolean } {
  const value = raw.trim().toUpperCase();
  if (!/^\d{0,17}[\dX]?$/.test(value)) return { ok: false, reason: 'characters', partial: false };
  if (value.length < 18) return { ok: false, reason: 'length', partial: true };
  const birthDate = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  const parsed = new Date(`${birthDate}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== birthDate || Number(value.slice(6, 10)) < 1900) {
    return { ok: false, reason: 'birth-date', partial: false };
  }
  const sum = WEIGHTS.reduce((total, weight, index) => total + weight * Number(value[index]), 0);
  if (CHECK[sum % 11] !== value[17]) return { ok: false, reason: 'check-digit', partial: false };
  return { ok: true, birthDate, partial: false };
}

/** Whole years from a YYYY-MM-DD birth date to `today` (YYYY-MM-DD). */
export function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [ty, tm, td] = today.split('-').map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}
