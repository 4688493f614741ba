import type { Client } from 'pg';
import { BackupError, BackupManifest, TableSummary } from './backup-archive';

/**
 * What a backup holds: the record and what cannot be derived from it. Read models are not in it:
 * they are derived, and the projections rebuild them from the log after a restore. Nor is projection
 * bookkeeping (checkpoints, leases, rebuilds, quarantine), which belongs to the
 * database it ran on. test/backup.e2e-spec.ts holds every table of the schema to one list or the
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
  { name: 'staff_usernames', orderBy: 'username' },
  // written alongside the revocation events, not projected: restored as is, with fresh ids and transaction ids
  { name: 'auth_revocations', orderBy: 'id', omit: ['id', 'txid'] },
];

/** Tables left out, rebuilt or started afresh after a restore (read models by the name of their view). */
export const DERIVED_TABLES: readonly string[] = [
  'ledger_migrations', // the restore migrates the target itself, and checks it matches the backup's
  'auth_sessions', // after a restore everyone signs in again
  'auth_refresh_tokens',
  'projection_checkpoints',
  'projection_leases',
  'projection_rebuilds',
  'projection_quarantine', // the rebuilt read models quarantine again what still fails
  'subject_profile',
  'consent_register',
  'disclosure_register',
  'access_log',
  'daily_activity',
  'rights_requests',
  'customer_numbers',
  'checkup_visits',
  'service_records',
  'follow_up_tasks',
  'orders',
  'complaints',
  'follow_up_plans',
  'outbox_messages',
  'survey_responses',
  'report_checkup_results',
  'report_order_items',
  'duplicate_subjects',
  'duplicate_keys',
  'duplicate_pairs',
  'duplicate_dismissals',
  'customer_query_facts',
  'customer_query_abnormal',
  'customer_query_orders',
  'saved_queries',
  // import jobs are operational: their files live only for the job's life; what they imported is in the log
  'import_jobs',
  'import_job_rows',
  'import_job_keys',
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

/**
 * What both ends of a backup set on their session, as pg_dump does: COPY's text of dates, times and
 * floats then reads back the same whatever the server's or the role's defaults.
 */
export async function setPortableSession(db: Client): Promise<void> {
  await db.query(`SET DateStyle = ISO, YMD; SET IntervalStyle = postgres; SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET client_encoding = 'UTF8'`);
}

/** Exact row counts of these tables, in one statement. */
export async function rowCounts(db: Client, tables: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ name: string; n: string }>(
    tables.map((table) => `SELECT '${table}' AS name, count(*)::text AS n FROM ${db.escapeIdentifier(table)}`).join(' UNION ALL '),
  );
  return new Map(rows.map((row) => [row.name, Number(row.n)]));
}

/** The migrations applied to a database, in the order they ran. */
export async function appliedMigrations(db: Client): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM ledger_migrations ORDER BY timestamp, id');
  return rows.map((row) => row.name);
}

/**
 * A whole backup (readBackup found every digest right) must also be one this release writes: its
 * tables, in its order (the log first: the restore replays it before the rest), and counts that
 * agree with its manifest.
 */
export function assertBackupShape(file: string, manifest: BackupManifest, tables: readonly TableSummary[]): void {
  const names = tables.map((table) => table.table);
  const expected = BACKED_UP_TABLES.map((table) => table.name);
  if (names.join() !== expected.join()) {
    throw new BackupError(`${file} holds the tables ${names.join(', ') || '(none)'}; this release writes and restores ${expected.join(', ')}`);
  }
  const rows = (name: string) => tables.find((table) => table.table === name)?.rows;
  if (rows('ledger_events') !== manifest.events || rows('audit_leaves') !== manifest.treeSize) {
    throw new BackupError(
      `${file}: its manifest counts ${manifest.events} events and ${manifest.treeSize} leaves, its tables ${rows('ledger_events')} and ${rows('audit_leaves')}`,
    );
  }
}
