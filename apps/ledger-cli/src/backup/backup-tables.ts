import type { Client } from 'pg';

/**
 * What a backup holds: the record and what cannot be derived from it. Read models are not in it:
 * they hold PI in clear (subject_profile), and the projections rebuild them from the log after a
 * restore. Nor is projection bookkeeping (checkpoints, leases, rebuilds), which belongs to the
 * database it ran on. `backup-tables.spec.ts` holds every table of the schema to one list or the
 * other, so a new table has to be placed before it ships.
 */
export interface BackedUpTable {
  name: string;
  /** The order rows are written (and, for the log, restored) in. */
  orderBy: string;
  /** Columns not written: the log's transaction ids belong to the server that assigned them. */
  omit?: readonly string[];
}

export const BACKED_UP_TABLES: readonly BackedUpTable[] = [
  { name: 'ledger_events', orderBy: 'transaction_id, position', omit: ['transaction_id'] },
  { name: 'vault_secrets', orderBy: 'name' },
  { name: 'vault_subject_keys', orderBy: 'subject_id' },
  { name: 'subject_id_numbers', orderBy: 'id_number_hash' },
  { name: 'idempotency_keys', orderBy: 'actor, key' },
  { name: 'erasure_certificates', orderBy: 'request_id' },
  { name: 'audit_leaves', orderBy: 'leaf_index' },
  { name: 'audit_nodes', orderBy: 'level, node_index' },
  { name: 'audit_tree_heads', orderBy: 'tree_size' },
];

/** Tables left out, rebuilt or started afresh after a restore (read models by the name of their view). */
export const DERIVED_TABLES: readonly string[] = [
  'ledger_migrations', // the restore migrates the target itself, and checks it matches the backup's
  'projection_checkpoints',
  'projection_leases',
  'projection_rebuilds',
  'subject_profile',
  'consent_register',
  'disclosure_register',
  'access_log',
  'daily_activity',
  'rights_requests',
];

/** The columns of a table as stored, in their order, less those the backup omits. */
export async function columnsOf(db: Client, table: BackedUpTable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table.name],
  );
  if (rows.length === 0) throw new Error(`table ${table.name} has no columns`);
  return rows.map((row) => row.name).filter((name) => !table.omit?.includes(name));
}

export function columnList(db: Client, columns: readonly string[]): string {
  return columns.map((column) => db.escapeIdentifier(column)).join(', ');
}
