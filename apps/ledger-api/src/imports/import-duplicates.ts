import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { normaliseEmail, normalisePhone } from '@pi-ledger/pii-vault/normalise';
import { openProfileData } from '@pi-ledger/read-models/projections/subject-profile/profile-sealing';
import { NAME_PREFIX_MAX, nameSearchKey, namePrefixQuery } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.row';
import { birthDateOf, matchKeys } from '@pi-ledger/read-models/projections/duplicates/match-keys';
import { MatchReason, RowMatch } from './import-jobs.store';

/** What a row is matched by: the values, kept in memory only while the row is handled. */
export interface RowIdentity {
  idNumber?: string;
  phone?: string;
  email?: string;
  name?: string;
  birthDate?: string;
}

export interface RowKey {
  reason: MatchReason;
  /** `<reason>:<blind index>`: what the job's key table stores, never the value. */
  key: string;
}

/** The facts a registration body is matched by. */
export function rowIdentity(data: Record<string, Record<string, unknown>>): RowIdentity {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
  const idNumber = text(data.identity_document?.number)?.toUpperCase();
  return {
    idNumber,
    phone: text(data.contact?.phone),
    email: text(data.contact?.email),
    name: text(data.identity?.name),
    birthDate: birthDateOf(text(data.identity?.birthDate), idNumber, data.identity_document?.type ?? 'resident_id'),
  };
}

/**
 * Duplicates at import (issue #15, item 2): a row matches a customer by ID number, phone, email, or
 * name and birth date together. Found through the blind indexes the ledger keeps already
 * (subject_id_numbers for ID numbers, which the write side keeps exact; the profile's phone, email
 * and name-prefix indexes), then, for name and birth date, by opening the candidates' identity. An
 * earlier row of the same file is matched by the same keys, which the job keeps as blind indexes.
 */
@Injectable()
export class ImportDuplicates {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
  ) {}

  keys(identity: RowIdentity): RowKey[] {
    const { idNumber, phone, email, name, birthDate } = identity;
    const values = { idNumbers: idNumber ? [idNumber] : [], phones: phone ? [phone] : [], emails: email ? [email] : [], name, birthDate };
    // the ledger-wide rules (match-keys.ts), less the name variants, which an import does not match by
    return matchKeys(this.vault, values, { variants: false }).map(({ reason, key }) => ({ reason: reason as MatchReason, key: `${reason}:${key}` }));
  }

  /**
   * The active customers each row of a batch matches, best first (most reasons); `except`: the
   * row's own subject on a re-run. Two statements for the batch: ID numbers; phone, email, name and
   * birth year (up to 50 candidates a row).
   */
  async inLedgerAll(rows: ReadonlyArray<{ identity: RowIdentity; except: string }>): Promise<Array<RowMatch | undefined>> {
    const reasons = rows.map(() => new Map<string, Set<MatchReason>>());
    const add = (row: number, subjectId: string, reason: MatchReason) => {
      if (subjectId !== rows[row].except) reasons[row].set(subjectId, (reasons[row].get(subjectId) ?? new Set()).add(reason));
    };
    const bidx = (kind: 'id_number' | 'phone' | 'email', value: string | undefined) => {
      try {
        return value ? this.vault.blindIndex(kind, kind === 'email' ? normaliseEmail(value) : value) : null;
      } catch {
        return null;
      }
    };
    const idHashes = rows.map(({ identity }) => bidx('id_number', identity.idNumber));
    if (idHashes.some((hash) => hash !== null)) {
      const { rows: held } = await this.pool.query<{ id_number_hash: string; subject_id: string }>(
        `SELECT n.id_number_hash, n.subject_id FROM subject_id_numbers n WHERE n.id_number_hash = ANY($1::text[])
            AND NOT EXISTS (SELECT 1 FROM subject_profile p WHERE p.subject_id = n.subject_id AND p.status = 'erased')`,
        [idHashes.filter((hash) => hash !== null)],
      );
      for (const { id_number_hash, subject_id } of held) idHashes.forEach((hash, row) => hash === id_number_hash && add(row, subject_id, 'id_number'));
    }
    const terms = rows.map(({ identity }) => {
      const nameKey = identity.name ? nameSearchKey(identity.name) : '';
      return {
        phone: identity.phone && normalisePhone(identity.phone) ? bidx('phone', identity.phone) : null,
        email: bidx('email', identity.email),
        name: identity.birthDate && nameKey.length >= 2 ? namePrefixQuery(this.vault, [...nameKey].slice(0, NAME_PREFIX_MAX).join('')) : null,
        year: identity.birthDate ? Number(identity.birthDate.slice(0, 4)) : null,
      };
    });
    const searched = terms.flatMap((term, row) => (term.phone || term.email || term.name ? [{ ...term, row }] : []));
    if (searched.length > 0) {
      const { rows: found } = await this.pool.query(
        `SELECT r.i, p.subject_id, p.phone_bidx = r.phone AS phone, p.email_bidx = r.email AS email,
                (p.name_prefix_bidx @> ARRAY[r.name] AND p.birth_year = r.year) AS name, p.data->'identity' AS identity
           FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::int[]) AS r(i, phone, email, name, year)
           CROSS JOIN LATERAL (
             SELECT subject_id, phone_bidx, email_bidx, name_prefix_bidx, birth_year, data FROM subject_profile
              WHERE status <> 'erased' AND (phone_bidx = r.phone OR email_bidx = r.email OR (name_prefix_bidx @> ARRAY[r.name] AND birth_year = r.year))
              LIMIT 50) p`,
        [
          searched.map((term) => term.row),
          searched.map((term) => term.phone),
          searched.map((term) => term.email),
          searched.map((term) => term.name),
          searched.map((term) => term.year),
        ],
      );
      for (const candidate of found) {
        const row = candidate.i as number;
        if (candidate.phone) add(row, candidate.subject_id, 'phone');
        if (candidate.email) add(row, candidate.subject_id, 'email');
        if (candidate.name && candidate.identity && (await this.sameNameAndBirth(candidate.subject_id, candidate.identity, rows[row].identity)))
          add(row, candidate.subject_id, 'name_birth_date');
      }
    }
    return reasons.map((matched) => {
      if (matched.size === 0) return undefined;
      const ranked = [...matched.entries()].sort((a, b) => b[1].size - a[1].size || (b[1].has('id_number') ? 1 : 0) - (a[1].has('id_number') ? 1 : 0));
      return { subjectId: ranked[0][0], reasons: [...ranked[0][1]].sort(), candidates: ranked.length };
    });
  }

  private async sameNameAndBirth(subjectId: string, stored: unknown, identity: RowIdentity): Promise<boolean> {
    const opened = await openProfileData(this.vault, subjectId, { identity: stored });
    const held = opened.identity as { name?: unknown; birthDate?: unknown } | undefined;
    return typeof held?.name === 'string' && nameSearchKey(held.name) === nameSearchKey(identity.name!) && held.birthDate === identity.birthDate;
  }
}
