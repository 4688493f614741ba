import type { JsonValue } from '@pi-ledger/event-store/event-store.port';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { primaryAddress } from '@pi-ledger/ledger-domain/subject/contact';

/** What a health token stands for: the same term in another field gives another token. */
export type HealthTermField = 'conditions' | 'allergies' | 'indicators';

/**
 * The keyed token of one normalised term (case, width and spaces do not matter): the query matches
 * conditions, allergies and abnormal check-up indicators by it without the term in clear, so the
 * table alone does not say who has which condition. Empty terms give no token.
 */
export function healthToken(vault: PiiVault, field: HealthTermField, term: string): string | undefined {
  const trimmed = term.trim();
  if (trimmed === '') return undefined;
  return vault.blindIndex('health_term', `${field}:${trimmed}`);
}

export function healthTokens(vault: PiiVault, field: HealthTermField, value: JsonValue | null | undefined): string[] {
  if (!Array.isArray(value)) return [];
  const terms = value.filter((term): term is string => typeof term === 'string');
  return [...new Set(terms.flatMap((term) => healthToken(vault, field, term) ?? []))];
}

/** The birth month as yyyymm (birth year and month are all the query keeps: docs/pipl-mapping.md). */
export function birthMonthOf(value: JsonValue | null | undefined): number | null {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-\d{2}/.exec(value) : null;
  return match ? Number(match[1]) * 100 + Number(match[2]) : null;
}

/**
 * The GB/T 2260 code of the primary address (else the first) among the fields set; an added address
 * counts only when it is the primary one (undefined: leave the stored code). Null: no code known.
 */
export function addressFacts(fields: Record<string, JsonValue | null>, added: boolean): string | null | undefined {
  if (added) {
    const [entry] = Array.isArray(fields.addresses) ? fields.addresses : [];
    const code = codeOf(entry);
    return isObject(entry) && entry.primary === true && code ? code : undefined;
  }
  return codeOf(primaryAddress(fields)) ?? null;
}

function codeOf(entry: unknown): string | undefined {
  return isObject(entry) && typeof entry.divisionCode === 'string' && /^\d{6}$/.test(entry.divisionCode) ? entry.divisionCode : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
