import { Converter } from 'opencc-js/t2cn';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { normaliseEmail, normalisePhone } from '@pi-ledger/pii-vault/normalise';
import { residentIdBirthDate, residentIdProblem } from '@pi-ledger/ledger-domain/validation/resident-id';
import { nameSearchKey } from '../subject-profile/subject-profile.row';

/**
 * What two customer files are matched by, at import (apps/ledger-api/src/imports/import-duplicates.ts)
 * and across the ledger (the duplicate-candidates read model): the one place of the rules. Each
 * key is a blind index (HMAC under the vault's blind-index key) of a normalised value, never the
 * value: ID number; any phone; email; name and birth date together; and, across the ledger, the
 * name's variant spelling and birth date (full-width, spaces, middle dots, traditional script).
 */
export type MatchReason = 'id_number' | 'phone' | 'email' | 'name_birth_date' | 'name_variant_birth_date';

export const MATCH_REASONS: readonly MatchReason[] = ['id_number', 'phone', 'email', 'name_birth_date', 'name_variant_birth_date'];

/** The values a customer is matched by, kept in memory only while its keys are made. */
export interface MatchIdentity {
  idNumbers?: readonly string[];
  phones?: readonly string[];
  emails?: readonly string[];
  name?: string;
  birthDate?: string;
}

export interface MatchKey {
  reason: MatchReason;
  /** Hex HMAC-SHA256: what the tables store and compare, never the value. */
  key: string;
}

/** How likely one shared key alone means one person (a shared phone is often a family's). */
const WEIGHT: Record<MatchReason, number> = { id_number: 0.95, name_birth_date: 0.8, name_variant_birth_date: 0.7, email: 0.6, phone: 0.5 };

/** 0–100: the chance that the pair is one person, were the reasons independent evidence. */
export function matchScore(reasons: readonly MatchReason[]): number {
  return Math.round(100 * (1 - reasons.reduce((apart, reason) => apart * (1 - WEIGHT[reason]), 1)));
}

/** Reasons as shown: the exact name match makes its variant redundant. */
export function shownReasons(reasons: Iterable<MatchReason>): MatchReason[] {
  const set = new Set(reasons);
  if (set.has('name_birth_date')) set.delete('name_variant_birth_date');
  return MATCH_REASONS.filter((reason) => set.has(reason));
}

/** The birth date held, else the one a valid resident ID number carries. */
export function birthDateOf(birthDate: string | undefined, idNumber: string | undefined, documentType: unknown = 'resident_id'): string | undefined {
  if (birthDate) return birthDate;
  return idNumber && documentType === 'resident_id' && !residentIdProblem(idNumber) ? residentIdBirthDate(idNumber.trim().toUpperCase()) : undefined;
}

// OpenCC's Hong Kong and Taiwan tables map their variant characters and traditional forms to simplified (mainland) ones
const HK_TO_CN = Converter({ from: 'hk', to: 'cn' });
const TW_TO_CN = Converter({ from: 'tw', to: 'cn' });
/** Interpuncts of transliterated and minority names (阿依古丽·买买提), in any of the forms input methods give. */
const NAME_SEPARATORS = /[\s\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65.\-_]/gu;

/**
 * A name's variant key: NFKC (full-width forms), lower case, no spaces or middle dots, and every
 * traditional or variant character in its simplified form, so that 張偉, 张伟 and 张 伟 agree.
 */
export function nameVariantKey(name: string): string {
  return TW_TO_CN(HK_TO_CN(name.normalize('NFKC').toLowerCase().replace(NAME_SEPARATORS, '')));
}

/** Every key of one customer (or import row); a value that normalises to nothing gives no key. */
export function matchKeys(vault: PiiVault, identity: MatchIdentity, options: { variants?: boolean } = {}): MatchKey[] {
  const keys = new Map<string, MatchKey>();
  const add = (reason: MatchReason, index: () => string) => {
    try {
      const key = index();
      keys.set(key, { reason, key });
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // empty once normalised: matches nothing
    }
  };
  for (const idNumber of identity.idNumbers ?? []) add('id_number', () => vault.blindIndex('id_number', idNumber));
  for (const phone of identity.phones ?? []) if (normalisePhone(phone)) add('phone', () => vault.blindIndex('phone', phone));
  for (const email of identity.emails ?? []) add('email', () => vault.blindIndex('email', normaliseEmail(email)));
  const { name, birthDate } = identity;
  if (name && birthDate) {
    const exact = nameSearchKey(name);
    if (exact) add('name_birth_date', () => vault.blindIndex('name_prefix', `${exact}\u0000${birthDate}`));
    const variant = options.variants === false ? '' : nameVariantKey(name);
    if (variant) add('name_variant_birth_date', () => vault.blindIndex('name_prefix', `variant\u0000${variant}\u0000${birthDate}`));
  }
  return [...keys.values()];
}
