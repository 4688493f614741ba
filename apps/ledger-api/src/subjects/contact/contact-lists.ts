import type { FieldProblem } from '@pi-ledger/ledger-domain/domain-error';
import { type AddressEntry, type PhoneEntry, type PhoneType, supersedeSingleContact } from '@pi-ledger/ledger-domain/subject/contact';
import { parsePhone } from './phone-number';
import { resolveDivision } from './administrative-divisions';

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `contact` fields after their shapes were validated: phones in E.164 with their type, each
 * number once and at most one primary; addresses with a GB/T 2260 code that agrees with their
 * names (or derived from them); the single `phone`/`address` of older clients not given with the
 * lists. Returns the normalised fields and the problems, each naming its field.
 */
export function normaliseContactLists(fields: Fields, path: string): { value: Fields; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const value = { ...fields };
  const both = supersedeSingleContact([], fields).problem;
  if (both) problems.push({ path: `${path}.${both.field}`, message: `give ${both.field} or its list, not both` });
  if (Array.isArray(fields.phones)) value.phones = phones(fields.phones, `${path}.phones`, problems);
  if (Array.isArray(fields.addresses)) value.addresses = addresses(fields.addresses, `${path}.addresses`, problems);
  return { value, problems };
}

function phones(entries: unknown[], path: string, problems: FieldProblem[]): PhoneEntry[] {
  const seen = new Map<string, number>();
  const out = entries.filter(isObject).flatMap((entry, index): PhoneEntry[] => {
    const parsed = parsePhone(String(entry.number), entry.type as PhoneType | undefined);
    if ('field' in parsed) {
      problems.push({ path: `${path}[${index}].${parsed.field}`, message: parsed.message });
      return [];
    }
    const first = seen.get(parsed.phone.number);
    if (first !== undefined) problems.push({ path: `${path}[${index}].number`, message: `is the same number as ${path.split('.').pop()}[${first}]` });
    seen.set(parsed.phone.number, first ?? index);
    return [{ ...parsed.phone, ...(entry.primary === true ? { primary: true } : {}) }];
  });
  onePrimary(entries, path, problems);
  return out;
}

function addresses(entries: unknown[], path: string, problems: FieldProblem[]): AddressEntry[] {
  const out = entries.filter(isObject).map((entry, index): AddressEntry => {
    const { country, divisionCode: _code, province: _province, city: _city, district: _district, ...rest } = entry;
    // outside the mainland (country given, not CN) there is no GB/T 2260 code: the names stay as written
    if (country !== undefined && country !== 'CN') {
      if (entry.divisionCode !== undefined) problems.push({ path: `${path}[${index}].divisionCode`, message: 'only mainland addresses have a GB/T 2260 code' });
      return entry as unknown as AddressEntry;
    }
    const resolved = resolveDivision(entry, `${path}[${index}]`);
    problems.push(...resolved.problems);
    return { ...(rest as Omit<AddressEntry, 'divisionCode'>), ...(country ? { country } : {}), ...resolved.value };
  });
  onePrimary(entries, path, problems);
  return out;
}

function onePrimary(entries: unknown[], path: string, problems: FieldProblem[]): void {
  const primaries = entries.flatMap((entry, index) => (isObject(entry) && entry.primary === true ? [index] : []));
  for (const index of primaries.slice(1)) problems.push({ path: `${path}[${index}].primary`, message: `only one may be primary: ${path.split('.').pop()}[${primaries[0]}] is` });
}
