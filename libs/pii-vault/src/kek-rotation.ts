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

/**
 * Re-wraps every live data key and every vault secret under `next`, in batches, each batch its
 * own transaction. Rows record their KEK id, so an interrupted run resumes where it stopped: rows
 * already under `next` are skipped; a row under a KEK in neither `keyring` nor `next` stops it
 * before anything is written. Events are never touched: data keys, and so ciphertexts, stay.
 */
export async function rotateKek(
  pool: Pool,
  keyring: ReadonlyMap<string, Buffer>,
  next: Buffer,
  options: KekRotationOptions,
): Promise<{ rewrapped: number }> {
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
      const step = async (batch: WrappedRow[], table: 'keys' | 'secrets') => {
        rewrapped += await rewrap(client, table, batch, ring, next);
        done += batch.length;
        total = Math.max(total, done);
        options.onProgress?.(done, total);
      };
      // Keys created meanwhile by a process still on the old KEK land anywhere in key order, so
      // passes repeat until one finds nothing left.
      for (let pass = 0; ; pass++) {
        let after = '00000000-0000-0000-0000-000000000000';
        let seen = 0;
        for (let batch = await liveKeys(client, nextId, after, options.batchSize); batch.length > 0; ) {
          await step(batch, 'keys');
          seen += batch.length;
          after = batch[batch.length - 1].id;
          batch = await liveKeys(client, nextId, after, options.batchSize);
        }
        if (seen === 0 || pass > 10) break;
      }
      const secrets = await client.query<WrappedRow>(
        'SELECT name AS id, NULL AS subject_id, NULL AS category, wrapped, kek_id FROM vault_secrets WHERE kek_id <> $1',
        [nextId],
      );
      if (secrets.rows.length > 0) await step(secrets.rows, 'secrets');
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
    `SELECT kek_id, count(*) AS n FROM (
       SELECT kek_id FROM vault_data_keys WHERE wrapped_key IS NOT NULL UNION ALL SELECT kek_id FROM vault_secrets
     ) wrapped WHERE kek_id <> ALL ($1::text[]) GROUP BY kek_id ORDER BY kek_id`,
    [known],
  );
  if (rows.length === 0) return;
  const list = rows.map((row) => `${row.n} under kek id ${row.kek_id}`).join(', ');
  throw new KekRotationError(
    `keys are wrapped by a master key that is neither the current one nor the new one (${list}; known: ${known.join(', ')}); nothing was re-wrapped`,
  );
}

async function countNotUnder(client: PoolClient, kekId: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM vault_data_keys WHERE wrapped_key IS NOT NULL AND kek_id <> $1)
          + (SELECT count(*) FROM vault_secrets WHERE kek_id <> $1) AS n`,
    [kekId],
  );
  return Number(rows[0].n);
}

async function liveKeys(client: PoolClient, nextId: string, after: string, limit: number): Promise<WrappedRow[]> {
  const { rows } = await client.query<WrappedRow>(
    `SELECT key_id AS id, subject_id, category, wrapped_key AS wrapped, kek_id FROM vault_data_keys
      WHERE wrapped_key IS NOT NULL AND kek_id <> $1 AND key_id > $2 ORDER BY key_id LIMIT $3`,
    [nextId, after, limit],
  );
  return rows;
}

/**
 * One UPDATE per batch, conditional on the row still being live under the KEK it was read with:
 * a key shredded meanwhile stays shredded.
 */
async function rewrap(
  client: PoolClient,
  table: 'keys' | 'secrets',
  batch: WrappedRow[],
  ring: ReadonlyMap<string, Buffer>,
  next: Buffer,
): Promise<number> {
  const rewrapped = batch.map((row) => {
    const kek = ring.get(row.kek_id);
    if (!kek) throw new KekRotationError(`${table === 'keys' ? 'data key' : 'vault secret'} ${row.id} is under unknown kek id ${row.kek_id}`);
    const aad = table === 'keys' ? dataKeyAad(row.id, row.subject_id as string, row.category as string) : secretAad(row.id);
    let key: Buffer;
    try {
      key = unwrapKey(kek, row.wrapped, aad);
    } catch {
      throw new KekRotationError(`${table === 'keys' ? 'data key' : 'vault secret'} ${row.id} does not unwrap under kek id ${row.kek_id}`);
    }
    return wrapKey(next, key, aad);
  });
  const params = [kekIdOf(next), batch.map((row) => row.id), rewrapped, batch.map((row) => row.kek_id)];
  const { rowCount } =
    table === 'keys'
      ? await client.query(
          `UPDATE vault_data_keys AS k SET wrapped_key = u.wrapped, kek_id = $1
             FROM unnest($2::uuid[], $3::bytea[], $4::text[]) AS u(id, wrapped, old_kek)
            WHERE k.key_id = u.id AND k.kek_id = u.old_kek AND k.wrapped_key IS NOT NULL`,
          params,
        )
      : await client.query(
          `UPDATE vault_secrets AS s SET wrapped = u.wrapped, kek_id = $1, rotated_at = clock_timestamp()
             FROM unnest($2::text[], $3::bytea[], $4::text[]) AS u(id, wrapped, old_kek)
            WHERE s.name = u.id AND s.kek_id = u.old_kek`,
          params,
        );
  return rowCount ?? 0;
}
