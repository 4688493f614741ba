import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { AlongsideInsert } from './postgres-event-store.port';

/** The columns of a stand-in for the vault's table of a new subject's data keys, and their SQL types. */
export const KEY_COLUMNS = '(subject_id, kek_id, categories, key_ids, wrapped)';
export const KEY_TYPES = ['text', 'text', 'text[]', 'uuid[]', 'bytea[]'];

/**
 * Creates the stand-in `table` (one row per subject; the app's role may read and insert) for the
 * specs of appends that write a row alongside, and returns the maker of a subject's row.
 */
export async function keysTable(owner: Client, table: string, name: string): Promise<(subjectId: string, kekId?: string) => AlongsideInsert> {
  await owner.query(`CREATE TABLE ${table} (
    subject_id text PRIMARY KEY, kek_id text NOT NULL, categories text[] NOT NULL, key_ids uuid[] NOT NULL, wrapped bytea[] NOT NULL)`);
  await owner.query(`GRANT SELECT, INSERT ON ${table} TO pi_ledger_app`);
  return (subjectId, kekId = 'kek-1') => ({
    name,
    into: `${table} ${KEY_COLUMNS}`,
    types: KEY_TYPES,
    values: [subjectId, kekId, ['contact', 'identity'], [randomUUID(), randomUUID()], [randomBytes(40), randomBytes(40)]],
  });
}
