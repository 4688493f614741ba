import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { ERASED } from '@pi-ledger/pii-vault/subject-event-codec';
import { maskIdNumber, maskPhone, maskPhones } from '../../subjects/read-subject/masking';
import { HistoryEntry } from './subject-history';

/** The same fields the profile read masks, with the same masks, unless `?reveal=` names the category. */
const MASKS: Record<string, (value: string) => string> = {
  'contact.phone': maskPhone,
  'identity_document.number': maskIdNumber,
};
/** Fields whose value is a list of entries with a number to mask. */
const LIST_MASKS: Record<string, (value: unknown) => unknown> = { 'contact.phones': maskPhones };

const maskedField = (entry: HistoryEntry) => (entry.category === null ? undefined : MASKS[`${entry.category}.${entry.field}`]);
const maskedList = (entry: HistoryEntry) => (entry.category === null ? undefined : LIST_MASKS[`${entry.category}.${entry.field}`]);

export function maskHistory(entries: readonly HistoryEntry[], reveal: readonly Category[]): HistoryEntry[] {
  return entries.map((entry) => {
    const mask = maskedField(entry);
    const listMask = maskedList(entry);
    if ((!mask && !listMask) || reveal.includes(entry.category as Category)) return entry;
    const masked = (value: unknown) => (listMask ? listMask(value) : typeof value === 'string' && value !== ERASED && mask ? mask(value) : value);
    return { ...entry, value: masked(entry.value), ...('previousValue' in entry ? { previousValue: masked(entry.previousValue) } : {}) };
  });
}

/** What an audit shows of a value not revealed: the field's usual mask, else that there was one. */
export const MASKED = '[masked]';

/**
 * A compliance audit's view (COMPLIANCE_AUDIT_PURPOSE_ID): what changed, when, by whom and why,
 * every value masked unless its category is revealed; "[erased]" and removals stay as they are.
 */
export function maskForAudit(entries: readonly HistoryEntry[], reveal: readonly Category[]): HistoryEntry[] {
  return entries.map((entry) => {
    if (entry.category === null || reveal.includes(entry.category as Category)) return entry;
    const mask = maskedField(entry);
    const listMask = maskedList(entry);
    const masked = (value: unknown) =>
      value === null || value === undefined || value === ERASED ? value : listMask ? listMask(value) : typeof value === 'string' && mask ? mask(value) : MASKED;
    return { ...entry, value: masked(entry.value), ...('previousValue' in entry ? { previousValue: masked(entry.previousValue) } : {}) };
  });
}

/** What an audit showed: categories with values, and every field of a revealed category, as `category.field`. */
export function auditAccess(entries: readonly HistoryEntry[], reveal: readonly Category[]): { categories: string[]; revealed: string[] } {
  const categories = new Set<string>();
  const revealed = new Set<string>();
  for (const entry of entries) {
    if (entry.category === null) continue;
    categories.add(entry.category);
    if (reveal.includes(entry.category as Category)) revealed.add(`${entry.category}.${entry.field}`);
  }
  return { categories: [...categories], revealed: [...revealed] };
}

/** What the read showed, for the access record: categories with values, and maskable fields shown in clear. */
export function historyAccess(entries: readonly HistoryEntry[], reveal: readonly Category[]): { categories: string[]; revealed: string[] } {
  const categories = new Set<string>();
  const revealed = new Set<string>();
  for (const entry of entries) {
    if (entry.category === null) continue;
    categories.add(entry.category);
    if ((maskedField(entry) || maskedList(entry)) && reveal.includes(entry.category as Category)) revealed.add(`${entry.category}.${entry.field}`);
  }
  return { categories: [...categories], revealed: [...revealed] };
}
