import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { PhoneEntry, PhoneType } from '@pi-ledger/ledger-domain/subject/contact';

export type ParsedPhone = { phone: Omit<PhoneEntry, 'primary'> } | { field: 'number' | 'type'; message: string };

/**
 * A phone number as typed (`138 1234 5678`, `010-8765 4321`, `+852 9123 4567`, full-width digits)
 * in E.164, by libphonenumber's metadata; a number without a country code is read as mainland.
 * Its type follows from it: a +86 mobile, a +86 fixed line, or a foreign number (any other
 * country code, Hong Kong, Macao and Taiwan included); a declared type must agree.
 */
export function parsePhone(input: string, declared: PhoneType | undefined): ParsedPhone {
  const parsed = parsePhoneNumberFromString(input.normalize('NFKC'), 'CN');
  if (!parsed || !parsed.isValid()) {
    return { field: 'number', message: 'must be a valid phone number: a mainland mobile or landline with its area code, or another country’s with its +country code' };
  }
  const kind = parsed.getType();
  const type: PhoneType = parsed.countryCallingCode !== '86' ? 'foreign' : kind === 'MOBILE' ? 'mobile' : 'landline';
  if (parsed.countryCallingCode === '86' && kind !== undefined && !['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'].includes(kind)) {
    return { field: 'number', message: 'must be a personal mobile or landline number, not a service number' };
  }
  if (declared !== undefined && declared !== type) return { field: 'type', message: `must be ${type} for this number (or left out)` };
  return { phone: { number: parsed.number, type, ...(parsed.ext ? { extension: parsed.ext } : {}) } };
}
