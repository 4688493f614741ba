import { Pool } from 'pg';
import type { AlongsideInsert } from '@pi-ledger/event-store/postgres/postgres-event-store.port';
import { MasterKeyMismatchError } from './pii-vault.errors';

/**
 * The vault's SQL: vault_subject_keys (a subject's data keys, live and shredded, in one row),
 * read through the view vault_data_keys (one row per subject × category), and vault_secrets.
 */

/** Also named by vault_shred_data_keys (migration 1763900012000). */
export const SHRED_CHANNEL = 'pi_ledger_vault_shred';

/**
 * The row of a subject with no keys stored yet, for the append of its first events to insert
 * (AppendOptions.alongside). Should the subject have a row already, its primary key refuses it and
 * the whole append with it.
 */
export function newSubjectKeysRow(subjectId: string, keys: readonly NewKey[], kekId: string): AlongsideInsert {
  return {
    name: 'vault-subject-keys',
    into: 'vault_subject_keys (subject_id, kek_id, categories, key_ids, wrapped)',
    types: ['text', 'text', 'text[]', 'uuid[]', 'bytea[]'],
    values: [subjectId, kekId, keys.map((key) => key.category), keys.map((key) => key.keyId), keys.map((key) => key.wrapped)],
  };
}

export interface KeyRow {
  key_id: string;
  subject_id: string;
  category: string;
  /** NULL once shredded. */
  wrapped_key: Buffer | null;
  kek_id: string;
}

export interface KeyRef {
  subjectId: string;
  category: string;
}

/** A data key made by the vault, wrapped, not yet stored. */
export interface NewKey {
  keyId: string;
  category: string;
  wrapped: Buffer;
}

export interface TombstoneRow {
  key_id: string;
  subject_id: string;
  category: string;
  destroyed_at: Date;
  destroy_reason: string;
  request_id: string | null;
  destroyed_by: string;
}

export interface SecretRow {
  name: string;
  wrapped: Buffer;
  kek_id: string;
}

export interface VacuumOutcome {
  /** False when PostgreSQL skipped it (the role may not vacuum the table). */
  ran: boolean;
  warnings: string[];
}

const TOMBSTONE_COLUMNS = 'key_id, subject_id, category, destroyed_at, destroy_reason, request_id, destroyed_by';

export class VaultTables {
  constructor(private readonly pool: Pool) {}

  /**
   * The rows of those (subject, category) pairs that have one, live or shredded, in one statement.
   * Subjects and categories are matched as two lists, which the unique index serves whatever their
   * length (a join with the pairs can turn into a sequential scan); rows of pairs not asked for are
   * dropped here.
   */
  async findKeys(pairs: readonly KeyRef[]): Promise<KeyRow[]> {
    const { rows } = await this.pool.query<KeyRow>(
      'SELECT key_id, subject_id, category, wrapped_key, kek_id FROM vault_data_keys WHERE subject_id = ANY ($1::text[]) AND category = ANY ($2::text[])',
      [[...new Set(pairs.map((pair) => pair.subjectId))], [...new Set(pairs.map((pair) => pair.category))]],
    );
    const asked = new Set(pairs.map((pair) => `${pair.subjectId}\n${pair.category}`));
    return rows.filter((row) => asked.has(`${row.subject_id}\n${row.category}`));
  }

  /**
   * Inserts the new keys of one subject, each unless its category has a key (or a tombstone)
   * already, and returns the subject's rows for those categories: the ones inserted and the ones
   * that won. One statement, in a transaction of its own that does not wait for the WAL flush
   * (migration 1763900009000-vault-key-batch says why that is safe).
   */
  async createKeys(subjectId: string, keys: readonly NewKey[], kekId: string): Promise<KeyRow[]> {
    try {
      const { rows } = await this.pool.query<KeyRow>(
        'SELECT key_id, subject_id, category, wrapped_key, kek_id FROM vault_create_data_keys($1, $2::uuid[], $3::text[], $4::bytea[], $5)',
        [subjectId, keys.map((key) => key.keyId), keys.map((key) => key.category), keys.map((key) => key.wrapped), kekId],
      );
      return rows;
    } catch (error) {
      // the subject's keys are under another master key: a rotation re-wrapped them since this process started
      if ((error as { code?: string }).code === 'PLV01') {
        throw new MasterKeyMismatchError(`${(error as Error).message}: the master key was rotated; restart with the new LEDGER_MASTER_KEY (or master.key)`);
      }
      throw error;
    }
  }

  /**
   * Destroys the live keys of a subject (all categories, or those named) and keeps their tombstones,
   * in one statement, and tells the other processes' vaults to drop them from their caches when it
   * commits (`vault_shred_data_keys`, migration 1763900012000).
   */
  async shred(subjectId: string, categories: readonly string[] | undefined, why: { reason: string; requestId?: string; actor: string }): Promise<TombstoneRow[]> {
    const { rows } = await this.pool.query<TombstoneRow>(`SELECT ${TOMBSTONE_COLUMNS} FROM vault_shred_data_keys($1, $2::text[], $3, $4, $5)`, [
      subjectId,
      categories ?? null,
      why.reason,
      why.requestId ?? null,
      why.actor,
    ]);
    return rows;
  }

  async tombstones(subjectId: string): Promise<TombstoneRow[]> {
    const { rows } = await this.pool.query<TombstoneRow>(
      `SELECT ${TOMBSTONE_COLUMNS} FROM vault_data_keys WHERE subject_id = $1 AND wrapped_key IS NULL ORDER BY destroyed_at, category`,
      [subjectId],
    );
    return rows;
  }

  async hasLiveKey(subjectId: string, category: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ live: boolean }>(
      'SELECT EXISTS (SELECT FROM vault_data_keys WHERE subject_id = $1 AND category = $2 AND wrapped_key IS NOT NULL) AS live',
      [subjectId, category],
    );
    return rows[0].live;
  }

  /**
   * Every KEK id that wraps a live key or a secret. A loose index scan over the partial index: one
   * probe per distinct KEK id, however many subjects there are.
   */
  async kekIdsInUse(): Promise<string[]> {
    const { rows } = await this.pool.query<{ kek_id: string }>(`
      WITH RECURSIVE live AS (
        (SELECT kek_id FROM vault_subject_keys WHERE cardinality(categories) > 0 ORDER BY kek_id LIMIT 1)
        UNION ALL
        SELECT (SELECT k.kek_id FROM vault_subject_keys k
                 WHERE cardinality(k.categories) > 0 AND k.kek_id > live.kek_id ORDER BY k.kek_id LIMIT 1)
          FROM live WHERE live.kek_id IS NOT NULL
      )
      SELECT kek_id FROM live WHERE kek_id IS NOT NULL
      UNION
      SELECT kek_id FROM vault_secrets
      ORDER BY kek_id`);
    return rows.map((row) => row.kek_id);
  }

  async countWrappedBy(kekId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT (SELECT coalesce(sum(cardinality(categories)), 0) FROM vault_subject_keys WHERE cardinality(categories) > 0 AND kek_id = $1)
            + (SELECT count(*) FROM vault_secrets WHERE kek_id = $1) AS n`,
      [kekId],
    );
    return Number(rows[0].n);
  }

  async findSecret(name: string): Promise<SecretRow | undefined> {
    const { rows } = await this.pool.query<SecretRow>('SELECT name, wrapped, kek_id FROM vault_secrets WHERE name = $1', [name]);
    return rows[0];
  }

  async insertSecret(row: SecretRow): Promise<boolean> {
    const { rowCount } = await this.pool.query('INSERT INTO vault_secrets (name, wrapped, kek_id) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
      row.name,
      row.wrapped,
      row.kek_id,
    ]);
    return rowCount === 1;
  }

  /**
   * VACUUM cannot run in a transaction, and a role that may not vacuum the table gets a WARNING
   * and a skip, not an error: the notices tell which happened.
   */
  async vacuumDataKeys(full: boolean): Promise<VacuumOutcome> {
    const client = await this.pool.connect();
    const warnings: string[] = [];
    const onNotice = (notice: { severity?: string; message?: string }) => {
      if (notice.severity === 'WARNING' && notice.message) warnings.push(notice.message);
    };
    client.on('notice', onNotice);
    try {
      await client.query(full ? 'VACUUM (FULL) vault_subject_keys' : 'VACUUM vault_subject_keys');
    } finally {
      client.off('notice', onNotice);
      client.release();
    }
    return { ran: !warnings.some((message) => /skipping/i.test(message)), warnings };
  }
}
