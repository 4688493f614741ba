import { ageInYears, residentIdBirthDate, residentIdProblem, type ResidentIdProblem } from '../../../../../libs/ledger-domain/src/validation/resident-id';

/**
 * The ledger's own GB 11643 check, run as the number is typed (the API checks it again): `length`
 * while fewer than 18 characters have been typed, else what the domain finds wrong, if anything.
 */
export function residentIdCheck(raw: string): { ok: true; birthDate: string } | { ok: false; reason: 'length' | 'characters' | ResidentIdProblem } {
  const value = raw.trim().toUpperCase();
  if (!/^\d{0,17}[\dX]?$/.test(value)) return { ok: false, reason: 'characters' };
  if (value.length < 18) return { ok: false, reason: 'length' };
  const problem = residentIdProblem(value);
  return problem ? { ok: false, reason: problem } : { ok: true, birthDate: residentIdBirthDate(value) };
}

/** Whole years from a birth date to now: a hint for the form; the API decides with the ledger's clock. */
export function ageNow(birthDate: string): number {
  return ageInYears(birthDate, new Date());
}
