import { Pool, PoolClient } from 'pg';
import { dataKeyAad, secretAad, unwrapKey, wrapKey } from './envelope';
import { kekIdOf } from './master-key';
import { KekRotationError } from './pii-vault.errors';

const ROTATION_LOCK = 7_263_537_002; // pg_advisory_lock key: one rotation at a time per database

export interface KekRotationOptions {
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
}

interface WrappedRow {
  id: string;
  subject_id: string | null;
  category: string | null;
  wrapped: Buffer;
  kek_id: string;
}

/** A subject's live keys, as vault_subject_keys holds them (one KEK per row). */
interface SubjectKeysRow {
  subject_id: string;
  kek_id: string;
  categories: string[];
  key_ids: string[];
  wrapped: Buffer[];
}

/**
 * Re-wraps every live data key and every vault secret under `next`, in batches, each batch its
 * own transaction. Rows record their KEK id, so an interrupted run resumes where it stopped: rows
 * already under `next` are skipped; a row under a KEK in neither `keyring` nor `next` stops it
 * before anything is written. Events are never touched: data keys, and so ciphertexts, stay.
 * Progress counts keys, a subject's row holding several.
 */
export async function rotateKek(pool: Pool, keyring: ReadonlyMap<string, Buffer>, next: Buffer, options: KekRotationOptions): Promise<{ rewrapped: number }> {
  const nextId = kekIdOf(next);
  const ring = new Map(keyring).set(nextId, next);
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [ROTATION_LOCK]);
    if (!rows[0].locked) throw new KekRotationError('another master-key rotation is running on this database');
    try {
      await refuseStrangers(client, [...ring.keys()]);
      let total = await countNotUnder(client, nextId);
      let done = 0;
      let rewrapped = 0;
      options.onProgress?.(0, total);
      const progressed = (keys: number) => {
        done += keys;
        total = Math.max(total, done);
        options.onProgress?.(done, total);
      };
      // Keys created meanwhile by a process still on the old KEK land anywhere in subject order, so
      // passes repeat until one finds nothing left.
      for (let pass = 0; ; pass++) {
        let after = '';
        let seen = 0;
        for (let batch = await liveSubjects(client, nextId, after, options.batchSize); batch.length > 0;) {
          rewrapped += await rewrapSubjects(client, batch, ring, next);
          const keys = batch.reduce((sum, row) => sum + row.key_ids.length, 0);
          progressed(keys);
          seen += keys;
          after = batch[batch.length - 1].subject_id;
          batch = await liveSubjects(client, nextId, after, options.batchSize);
        }
        if (seen === 0 || pass > 10) break;
      }
      const secrets = await client.query<WrappedRow>('SELECT name AS id, NULL AS subject_id, NULL AS category, wrapped, kek_id FROM vault_secrets WHERE kek_id <> $1', [nextId]);
      if (secrets.rows.length > 0) {
        rewrapped += await rewrapSecrets(client, secrets.rows, ring, next);
        progressed(secrets.rows.length);
      }
      const left = await countNotUnder(client, nextId);
      if (left > 0) throw new KekRotationError(`${left} keys are still not under kek id ${nextId}; run the rotation again`);
      return { rewrapped };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [ROTATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

async function refuseStrangers(client: PoolClient, known: string[]): Promise<void> {
  const { rows } = await client.query<{ kek_id: string; n: string }>(
    `SELECT kek_id, sum(n) AS n FROM (
       SELECT kek_id, cardinality(categories) AS n FROM vault_subject_keys WHERE cardinality(categories) > 0
       UNION ALL SELECT kek_id, 1 FROM vault_secrets
     ) wrapped WHERE kek_id <> ALL ($1::text[]) GROUP BY kek_id ORDER BY kek_id`,
    [known],
  );
  if (rows.length === 0) return;
  const list = rows.map((row) => `${row.n} under kek id ${row.kek_id}`).join(', ');
  throw new KekRotationError(`keys are wrapped by a master key that is neither the current one nor the new one (${list}; known: ${known.join(', ')}); nothing was re-wrapped`);
}

async function countNotUnder(client: PoolClient, kekId: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT (SELECT coalesce(sum(cardinality(categories)), 0) FROM vault_subject_keys WHERE cardinality(categories) > 0 AND kek_id <> $1)
          + (SELECT count(*) FROM vault_secrets WHERE kek_id <> $1) AS n`,
    [kekId],
  );
  return Number(rows[0].n);
}

async function liveSubjects(client: PoolClient, nextId: string, after: string, limit: number): Promise<SubjectKeysRow[]> {
  const { rows } = await client.query<SubjectKeysRow>(
    `SELECT subject_id, kek_id, categories, key_ids, wrapped FROM vault_subject_keys
      WHERE cardinality(categories) > 0 AND kek_id <> $1 AND subject_id > $2 ORDER BY subject_id LIMIT $3`,
    [nextId, after, limit],
  );
  return rows;
}

function rewrapOne(what: string, id: string, kekId: string, wrapped: Buffer, aad: Buffer, ring: ReadonlyMap<string, Buffer>, next: Buffer): Buffer {
  const kek = ring.get(kekId);
  if (!kek) throw new KekRotationError(`${what} ${id} is under unknown kek id ${kekId}`);
  let key: Buffer;
  try {
    key = unwrapKey(kek, wrapped, aad);
  } catch {
    throw new KekRotationError(`${what} ${id} does not unwrap under kek id ${kekId}`);
  }
  return wrapKey(next, key, aad);
}

/**
 * One UPDATE per batch of subjects, each row conditional on holding still the keys it was read
 * with, under the same KEK: a row that a shred or a new category changed meanwhile is left to
 * the next pass. Returns the number of keys re-wrapped.
 */
async function rewrapSubjects(client: PoolClient, batch: SubjectKeysRow[], ring: ReadonlyMap<string, Buffer>, next: Buffer): Promise<number> {
  const subjects: string[] = [];
  const oldKeks: string[] = [];
  const keyIds: string[] = [];
  const wrapped: Buffer[] = [];
  const order: number[] = [];
  for (const row of batch) {
    row.key_ids.forEach((keyId, index) => {
      const aad = dataKeyAad(keyId, row.subject_id, row.categories[index]);
      subjects.push(row.subject_id);
      oldKeks.push(row.kek_id);
      keyIds.push(keyId);
      wrapped.push(rewrapOne('data key', keyId, row.kek_id, row.wrapped[index], aad, ring, next));
      order.push(index);
    });
  }
  const { rows } = await client.query<{ n: number }>(
    `UPDATE vault_subject_keys AS s SET wrapped = u.wrapped, kek_id = $1
       FROM (SELECT x.id, min(x.old_kek) AS old_kek, array_agg(x.key_id ORDER BY x.n) AS key_ids, array_agg(x.wrapped ORDER BY x.n) AS wrapped
               FROM unnest($2::text[], $3::text[], $4::uuid[], $5::bytea[], $6::int[]) AS x(id, old_kek, key_id, wrapped, n)
              GROUP BY x.id) AS u
      WHERE s.subject_id = u.id AND s.kek_id = u.old_kek AND s.key_ids = u.key_ids
      RETURNING cardinality(s.key_ids) AS n`,
    [kekIdOf(next), subjects, oldKeks, keyIds, wrapped, order],
  );
  return rows.reduce((sum, row) => sum + row.n, 0);
}

async function rewrapSecrets(client: PoolClient, batch: WrappedRow[], ring: ReadonlyMap<string, Buffer>, next: Buffer): Promise<number> {
  const rewrapped = batch.map((row) => rewrapOne('vault secret', row.id, row.kek_id, row.wrapped, secretAad(row.id), ring, next));
  const { rowCount } = await client.query(
    `UPDATE vault_secrets AS s SET wrapped = u.wrapped, kek_id = $1, rotated_at = clock_timestamp()
       FROM unnest($2::text[], $3::bytea[], $4::text[]) AS u(id, wrapped, old_kek)
      WHERE s.name = u.id AND s.kek_id = u.old_kek`,
    [kekIdOf(next), batch.map((row) => row.id), rewrapped, batch.map((row) => row.kek_id)],
  );
  return rowCount ?? 0;
}
