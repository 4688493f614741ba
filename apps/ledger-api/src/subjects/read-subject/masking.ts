import { Category } from '@pi-ledger/ledger-domain/registry/categories';

/** The fields shown masked unless their category is revealed (`?reveal=`). */
const MASKED_FIELDS: ReadonlyArray<readonly [Category, string]> = [
  ['contact', 'phone'],
  ['identity_document', 'number'],
];

/** `+8613812345678` → `+86138****5678`. */
export function maskPhone(phone: string): string {
  return phone.length > 7 ? `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}` : '****';
}

/** `110101198005010018` → `110***********0018`. */
export function maskIdNumber(number: string): string {
  return number.length > 7 ? `${number.slice(0, 3)}${'*'.repeat(number.length - 7)}${number.slice(-4)}` : '*'.repeat(number.length);
}

/** ID-document and phone numbers are masked unless their category is in `reveal`. */
export function maskProfile<T extends { data: Record<string, Record<string, unknown>> }>(profile: T, reveal: Category[]): T {
  const data = { ...profile.data };
  if (!reveal.includes('contact') && typeof data.contact?.phone === 'string') data.contact = { ...data.contact, phone: maskPhone(data.contact.phone) };
  if (!reveal.includes('identity_document') && typeof data.identity_document?.number === 'string') {
    data.identity_document = { ...data.identity_document, number: maskIdNumber(data.identity_document.number) };
  }
  return { ...profile, data };
}

/** The maskable fields `data` holds that `reveal` shows in clear, as `category.field` (for the access log). */
export function revealedFields(data: Record<string, Record<string, unknown>>, reveal: Category[]): string[] {
  return MASKED_FIELDS.filter(([category, field]) => reveal.includes(category) && typeof data[category]?.[field] === 'string').map(([category, field]) => `${category}.${field}`);
}
