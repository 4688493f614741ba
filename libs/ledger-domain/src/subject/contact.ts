/**
 * A customer's phones and addresses (category `contact`). Files written before several were kept
 * hold one `phone` (always a mainland mobile: the only kind accepted then) and one `address`; they
 * are never rewritten, so every reader shows them through `currentContact`, and setting the lists
 * removes the single values (`supersedeSingleContact`).
 */
export const PHONE_TYPES = ['mobile', 'landline', 'foreign'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];

export const ADDRESS_TYPES = ['home', 'work', 'mailing', 'billing', 'other'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

export interface PhoneEntry {
  /** E.164, e.g. +8613812345678, +861012345678, +14155552671. */
  number: string;
  type: PhoneType;
  extension?: string;
  primary?: boolean;
}

export interface AddressEntry {
  type: AddressType;
  /** ISO 3166-1 alpha-2; absent: the mainland (then the division is checked against GB/T 2260). */
  country?: string;
  /** GB/T 2260 code of the most precise division known (district, else city, else province). */
  divisionCode?: string;
  province?: string;
  city?: string;
  district?: string;
  line?: string;
  postalCode?: string;
  primary?: boolean;
}

/** The pairs of (single value of older files, list that replaces it). */
const SUPERSEDED = [
  ['phone', 'phones'],
  ['address', 'addresses'],
] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The contact fields as readers show them: `phones` and `addresses` (an older file's single phone
 * and address as one-element lists), and, for clients written before the lists, `phone` and
 * `address` as the primary (else first) entry's. Values sealed or erased pass through untouched.
 */
export function currentContact(fields: Record<string, unknown>): Record<string, unknown> {
  const { phone, address, phones: listed, addresses: listedAddresses, ...rest } = fields;
  const phones = Array.isArray(listed) ? listed : typeof phone === 'string' ? [{ number: phone, type: 'mobile', primary: true }] : undefined;
  const addresses = Array.isArray(listedAddresses) ? listedAddresses : isObject(address) ? [{ type: 'other', ...address, primary: true }] : undefined;
  const primaryPhone = phones && primaryOf(phones);
  const primaryAddress = addresses && primaryOf(addresses);
  return {
    ...rest,
    ...(phones ? { phones } : phone === undefined ? {} : { phone }),
    ...(addresses ? { addresses } : address === undefined ? {} : { address }),
    ...(isObject(primaryPhone) && typeof primaryPhone.number === 'string' ? { phone: primaryPhone.number } : {}),
    ...(isObject(primaryAddress) ? { address: singleAddress(primaryAddress) } : {}),
  };
}

/** Every phone number of the contact fields (older files' single one included), for blind indexes. */
export function phoneNumbers(fields: Record<string, unknown>): string[] {
  const { phones } = currentContact(fields);
  return Array.isArray(phones) ? phones.flatMap((entry) => (isObject(entry) && typeof entry.number === 'string' ? [entry.number] : [])) : [];
}

/** The primary phone number (else the first), an older file's single one included. */
export function primaryPhone(fields: Record<string, unknown>): string | undefined {
  const { phone } = currentContact(fields);
  return typeof phone === 'string' ? phone : undefined;
}

/** The primary address (else the first), older files' single one included. */
export function primaryAddress(fields: Record<string, unknown>): Record<string, unknown> | undefined {
  const { addresses } = currentContact(fields);
  const primary = Array.isArray(addresses) ? primaryOf(addresses) : undefined;
  return isObject(primary) ? primary : undefined;
}

function primaryOf(entries: readonly unknown[]): unknown {
  return entries.find((entry) => isObject(entry) && entry.primary === true) ?? entries[0];
}

/** An address as the single `address` field had it: province, city, district, line. */
function singleAddress(entry: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(['province', 'city', 'district', 'line'].filter((key) => entry[key] !== undefined).map((key) => [key, entry[key]]));
}

/**
 * A change of `contact` that sets the lists removes the single values an older file holds, so one
 * source remains. Setting a single value while the file holds the list would leave two that
 * disagree: refused, naming the field (`problem`).
 */
export function supersedeSingleContact(held: readonly string[], set: Record<string, unknown>): { set: Record<string, unknown>; problem?: { field: string; message: string } } {
  const next = { ...set };
  for (const [single, list] of SUPERSEDED) {
    if (set[single] !== undefined && set[single] !== null && (held.includes(list) ? set[list] !== null : set[list] !== undefined)) {
      return { set, problem: { field: single, message: `this customer's ${list} are kept as a list: set ${list} instead` } };
    }
    if (set[list] !== undefined && set[list] !== null && held.includes(single) && !(single in set)) next[single] = null;
  }
  return { set: next };
}
