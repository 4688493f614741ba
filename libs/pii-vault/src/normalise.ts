/**
 * One spelling per value, so that equal values get equal blind indexes whatever way they were
 * typed. Full-width characters (１３８, ＋, Ｘ), common with Chinese input methods, count as
 * their ASCII forms.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const MAINLAND_MOBILE = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/;
const SEPARATORS = /[\s\-().]/g;

/**
 * Mainland mobiles become E.164 (`+8613812345678`) from `13812345678`, `+86 138 1234 5678`,
 * `0086…` or `86…`; so does any number valid in libphonenumber's metadata, a number without a
 * country code read as mainland (`010-8765 4321` → `+861087654321`). Other input keeps its digits,
 * with a `+` when written internationally (`+…` or `00…`).
 */
export function normalisePhone(phone: string): string {
  const compact = phone.normalize('NFKC').replace(SEPARATORS, '');
  const mobile = MAINLAND_MOBILE.exec(compact);
  if (mobile) return `+86${mobile[1]}`;
  const parsed = parsePhoneNumberFromString(phone.normalize('NFKC'), 'CN');
  if (parsed?.isValid()) return parsed.number;
  if (/^\+\d+$/.test(compact)) return compact;
  if (/^00\d+$/.test(compact)) return `+${compact.slice(2)}`;
  return compact;
}

/** Tags are short labels: compared without case, width or surrounding spaces. */
export function normaliseTag(tag: string): string {
  return tag.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Resident ID numbers end in a check digit that may be `X`; people type it either case. */
export function normaliseIdNumber(idNumber: string): string {
  return idNumber.normalize('NFKC').replace(/\s/g, '').replace(/x$/, 'X');
}
