import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { ERASED } from '@pi-ledger/pii-vault/subject-event-codec';
import { maskIdNumber, maskPhone } from '../../subjects/read-subject/masking';
import { HistoryEntry } from './subject-history';

/** The same fields the profile read masks, with the same masks, unless `?reveal=` names the category. */
const MASKS: Record<string, (value: string) => string> = {
  'contact.phone': maskPhone,
  'identity_document.number': maskIdNumber,
};

const maskedField = (entry: HistoryEntry) => (entry.category === null ? undefined : MASKS[`${entry.category}.${entry.field}`]);

export function maskHistory(entries: readonly HistoryEntry[], reveal: readonly Category[]): HistoryEntry[] {
  return entries.map((entry) => {
    const mask = maskedField(entry);
    if (!mask || reveal.includes(entry.category as Category)) return entry;
    const masked = (value: unknown) => (typeof value === 'string' && value !== ERASED ? mask(value) : value);
    return { ...entry, value: masked(entry.value), ...('previousValue' in entry ? { previousValue: masked(entry.previousValue) } : {}) };
  });
}

/** What the read showed, for the access record: categories with values, and maskable fields shown in clear. */
export function historyAccess(entries: readonly HistoryEntry[], reveal: readonly Category[]): { categories: string[]; revealed: string[] } {
  const categories = new Set<string>();
  const revealed = new Set<string>();
  for (const entry of entries) {
    if (entry.category === null) continue;
    categories.add(entry.category);
    if (maskedField(entry) && reveal.includes(entry.category as Category)) revealed.add(`${entry.category}.${entry.field}`);
  }
  return { categories: [...categories], revealed: [...revealed] };
}
