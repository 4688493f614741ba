import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { BackupManifest, BackupWriter, TableSummary } from './backup-archive';
import type { TreeHeadSigner } from '@pi-ledger/audit/tree-head-signer';
import { appliedMigrations, BACKED_UP_TABLES, columnList, columnsOf, rowCounts, setPortableSession } from './backup-tables';

export interface CreateBackupOptions {
  /** The audit key: its public half goes in the manifest, and it signs the file's digest. */
  signer: TreeHeadSigner;
  /** Rows written of a table so far, and the table's row count. */
  onProgress?: (table: string, done: number, total: number) => void;
}

export interface BackupSummary {
  file: string;
  manifest: BackupManifest;
  tables: TableSummary[];
}

/**
 * Writes a backup of the ledger's record (backup-tables.ts) to `file`, from one snapshot: a
 * REPEATABLE READ, READ ONLY transaction, so the service can go on writing meanwhile and the
 * backup is what the database held at one instant. The log is written in global order.
 *
 * No secret is written: data keys and vault secrets are there only wrapped by the master key, and
 * PI only as the log's ciphertext. A restore therefore needs the same master key, kept apart.
 */
export async function createBackup(db: Client, file: string, options: CreateBackupOptions): Promise<BackupSummary> {
  await setPortableSession(db);
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  let writer: BackupWriter | undefined;
  try {
    const counts = await rowCounts(
      db,
      BACKED_UP_TABLES.map((table) => table.name),
    );
    const { keyId, publicKeyPem } = options.signer.publicKey();
    const manifest = await manifestOf(db, { keyId, publicKeyPem }, counts);
    writer = await BackupWriter.create(file, manifest, options.signer);
    const tables: TableSummary[] = [];
    for (const table of BACKED_UP_TABLES) {
      const columns = await columnsOf(db, table);
      await writer.beginTable(table.name, columns);
      const total = counts.get(table.name) ?? 0;
      options.onProgress?.(table.name, 0, total);
      const rows = db.query(copyTo(`COPY (SELECT ${columnList(db, columns)} FROM ${table.name} ORDER BY ${table.orderBy}) TO STDOUT`));
      // A failed write (a full disk) must not end the loop: that would destroy the COPY stream, which
      // then stops reading the connection, and the server, the ROLLBACK and the snapshot would wait
      // forever. The rest of the table is read and dropped, then the failure is thrown.
      let failure: { error: unknown } | undefined;
      for await (const chunk of rows) {
        if (failure) continue;
        try {
          const written = await writer.rows(chunk as Buffer); // not inside `onProgress?.(…)`: without a callback, that would skip the write
          options.onProgress?.(table.name, written, total);
        } catch (error) {
          failure = { error };
        }
      }
      if (failure) throw failure.error;
      tables.push(await writer.endTable());
    }
    await writer.finish();
    await db.query('COMMIT');
    return { file, manifest, tables };
  } catch (error) {
    await writer?.abandon();
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** `createdAt` is the snapshot's own time (the database clock, as the certificates' times are): nothing after it is in the backup. */
async function manifestOf(db: Client, auditPublicKey: BackupManifest['auditPublicKey'], counts: ReadonlyMap<string, number>): Promise<BackupManifest> {
  const { rows } = await db.query<{ created_at: Date; kek_ids: string[]; last_position: string; version: string }>(
    `SELECT transaction_timestamp() AS created_at,
            ARRAY(SELECT kek_id FROM vault_subject_keys WHERE cardinality(categories) > 0
                  UNION SELECT kek_id FROM vault_secrets ORDER BY 1) AS kek_ids,
            (SELECT coalesce(max(position), 0) FROM ledger_events)::text AS last_position,
            current_setting('server_version') AS version`,
  );
  const row = rows[0];
  return {
    createdAt: row.created_at.toISOString(),
    migrations: await appliedMigrations(db),
    kekIds: row.kek_ids,
    auditPublicKey,
    events: counts.get('ledger_events') ?? 0,
    lastPosition: Number(row.last_position),
    treeSize: counts.get('audit_leaves') ?? 0,
    postgresVersion: row.version,
  };
}
