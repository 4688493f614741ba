import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { currentContact } from '@pi-ledger/ledger-domain/subject/contact';

/** The fields shown masked unless their category is revealed (`?reveal=`). */
const MASKED_FIELDS: ReadonlyArray<readonly [Category, string]> = [
  ['contact', 'phone'],
  ['contact', 'phones'],
  ['identity_document', 'number'],
];

/** `+8613812345678` → `+86138****5678`. */
export function maskPhone(phone: string): string {
  return phone.length > 7 ? `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}` : '****';
}

/** Each entry of a phone list with its number masked. */
export function maskPhones(phones: unknown): unknown {
  if (!Array.isArray(phones)) return phones;
  return phones.map((entry) =>
    typeof entry === 'object' && entry !== null && typeof (entry as { number?: unknown }).number === 'string'
      ? { ...entry, number: maskPhone((entry as { number: string }).number) }
      : entry,
  );
}

/** `110101198005010018` → `110***********0018`. */
export function maskIdNumber(number: string): string {
  return number.length > 7 ? `${number.slice(0, 3)}${'*'.repeat(number.length - 7)}${number.slice(-4)}` : '*'.repeat(number.length);
}

/**
 * The profile as readers see it: contact as lists (an older file's single phone and address
 * included, contact.ts), ID-document and phone numbers masked unless their category is in `reveal`.
 */
export function maskProfile<T extends { data: Record<string, Record<string, unknown>> }>(profile: T, reveal: Category[]): T {
  const data = { ...profile.data };
  if (data.contact) data.contact = currentContact(data.contact);
  if (!reveal.includes('contact') && data.contact) {
    const { phone, phones } = data.contact;
    data.contact = { ...data.contact, ...(typeof phone === 'string' ? { phone: maskPhone(phone) } : {}), ...(phones === undefined ? {} : { phones: maskPhones(phones) }) };
  }
  if (!reveal.includes('identity_document') && typeof data.identity_document?.number === 'string') {
    data.identity_document = { ...data.identity_document, number: maskIdNumber(data.identity_document.number) };
  }
  return { ...profile, data };
}

/** The maskable fields `data` holds that `reveal` shows in clear, as `category.field` (for the access log). */
export function revealedFields(data: Record<string, Record<string, unknown>>, reveal: Category[]): string[] {
  const shown: Record<string, Record<string, unknown>> = { ...data, ...(data.contact ? { contact: currentContact(data.contact) } : {}) };
  return MASKED_FIELDS.filter(([category, field]) => reveal.includes(category) && shown[category]?.[field] !== undefined).map(([category, field]) => `${category}.${field}`);
}
