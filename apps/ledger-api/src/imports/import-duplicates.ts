import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
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
  /** The blind index alone: what the duplicates read model keys a customer by (duplicate_keys.match_key). */
  index: string;
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

/** Customers a row is matched with by one key, at most: a value many share (a placeholder phone) bounds the work of a row. */
const CANDIDATES_PER_KEY = 50;

/**
 * Duplicates at import (issue #15, item 2): a row matches a customer by ID number, phone, email, or
 * name and birth date together. Found through the blind indexes the ledger keeps already:
 * subject_id_numbers for ID numbers, which the write side keeps exact; for the others the match
 * keys of the duplicate-candidates read model (duplicate_keys, the same rules: match-keys.ts), each
 * found by its primary key, whatever the ledger's size. An earlier row of the same file is matched
 * by the same keys, which the job keeps as blind indexes.
 */
@Injectable()
export class ImportDuplicates {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
  ) {}

  /** The row's keys by the ledger-wide rules (match-keys.ts), less the name variants, which an import does not match by. */
  keys(identity: RowIdentity): RowKey[] {
    const { idNumber, phone, email, name, birthDate } = identity;
    const values = { idNumbers: idNumber ? [idNumber] : [], phones: phone ? [phone] : [], emails: email ? [email] : [], name, birthDate };
    return matchKeys(this.vault, values, { variants: false }).map(({ reason, key }) => ({ reason: reason as MatchReason, key: `${reason}:${key}`, index: key }));
  }

  /**
   * The active customers each row of a batch matches, best first (most reasons); `except`: the
   * row's own subject on a re-run. Two statements for the batch: ID numbers; phone, email, name and
   * birth date (up to 50 candidates a key).
   */
  async inLedgerAll(rows: ReadonlyArray<{ keys: readonly RowKey[]; except: string }>): Promise<Array<RowMatch | undefined>> {
    const reasons = rows.map(() => new Map<string, Set<MatchReason>>());
    const add = (row: number, subjectId: string, reason: MatchReason) => {
      if (subjectId !== rows[row].except) reasons[row].set(subjectId, (reasons[row].get(subjectId) ?? new Set()).add(reason));
    };
    const idHashes = rows.map(({ keys }) => keys.find(({ reason }) => reason === 'id_number')?.index ?? null);
    if (idHashes.some((hash) => hash !== null)) {
      const { rows: held } = await this.pool.query<{ id_number_hash: string; subject_id: string }>(
        `SELECT n.id_number_hash, n.subject_id FROM subject_id_numbers n WHERE n.id_number_hash = ANY($1::text[])
            AND NOT EXISTS (SELECT 1 FROM subject_profile p WHERE p.subject_id = n.subject_id AND p.status = 'erased')`,
        [idHashes.filter((hash) => hash !== null)],
      );
      for (const { id_number_hash, subject_id } of held) idHashes.forEach((hash, row) => hash === id_number_hash && add(row, subject_id, 'id_number'));
    }
    // phone, email, name and birth date: the keys the duplicate-candidates read model holds of every live customer, by its primary key
    const searched = rows.flatMap(({ keys }, row) => keys.flatMap(({ reason, index }) => (reason === 'id_number' ? [] : [{ row, key: index, reason }])));
    if (searched.length > 0) {
      const { rows: found } = await this.pool.query<{ i: number; subject_id: string; reason: MatchReason }>(
        `SELECT q.i, k.subject_id, q.reason FROM unnest($1::int[], $2::text[], $3::text[]) AS q(i, key, reason)
           CROSS JOIN LATERAL (SELECT subject_id FROM duplicate_keys WHERE match_key = q.key ORDER BY subject_id LIMIT ${CANDIDATES_PER_KEY}) k`,
        [searched.map((term) => term.row), searched.map((term) => term.key), searched.map((term) => term.reason)],
      );
      for (const candidate of found) add(candidate.i, candidate.subject_id, candidate.reason);
    }
    return reasons.map((matched) => {
      if (matched.size === 0) return undefined;
      const ranked = [...matched.entries()].sort((a, b) => b[1].size - a[1].size || (b[1].has('id_number') ? 1 : 0) - (a[1].has('id_number') ? 1 : 0));
      return { subjectId: ranked[0][0], reasons: [...ranked[0][1]].sort(), candidates: ranked.length };
    });
  }
}
