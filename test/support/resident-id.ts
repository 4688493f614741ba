/**
 * Synthetic mainland resident ID numbers (GB 11643-1999) for the specs: 6-digit region, 8-digit
 * birth date, 3-digit sequence, and the check character (ISO 7064 MOD 11-2, 'X' for 10). Computed
 * here, apart from the ledger's own validator, so that a spec checks the validator rather than
 * echoes it (libs/ledger-domain/src/validation/resident-id.spec.ts holds this helper to the fixtures).
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character of the first 17 digits of a number. */
export function checkCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error(`a resident ID number starts with 17 digits (got "${first17}")`);
  return CHECK[WEIGHTS.reduce((sum, weight, i) => sum + weight * Number(first17[i]), 0) % 11];
}

/**
 * A valid number for someone born on `birthDate` (YYYY-MM-DD): `sequence` (0–999) tells numbers of
 * the same region and birth date apart, `region` is the 6-digit area code (default: 北京东城区).
 */
export function residentId(birthDate: string, sequence: number, region = '110101'): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) throw new Error(`birthDate must be YYYY-MM-DD (got "${birthDate}")`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999) throw new Error(`sequence must be 0 to 999 (got ${sequence})`);
  if (!/^[1-9]\d{5}$/.test(region)) throw new Error(`region must be 6 digits (got "${region}")`);
  const first17 = `${region}${birthDate.replace(/-/g, '')}${String(sequence).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}
