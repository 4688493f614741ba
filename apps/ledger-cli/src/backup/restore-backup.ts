import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Writable } from 'node:stream';
import { SERVICE_APPLICATION_NAME } from '@pi-ledger/platform/database/ledger-database';
import { BackupError, BackupManifest, readBackup, TableSummary } from './backup-archive';
import { BACKED_UP_TABLES, columnList } from './backup-tables';

/** Rows of the log restored per transaction at most (a new transaction also starts wherever positions go back). */
const SEGMENT_ROWS = 10_000;
const COPY_CHUNK_BYTES = 256 * 1024;

export interface RestoreTarget {
  /** Migrations applied to the target, in order (it is migrated before the checks). */
  migrations: readonly string[];
  /** Id of the master key this process holds, and where it came from (for the refusal). */
  kekId: string;
  kekSource?: string;
}

export interface RestoreSummary {
  events: number;
  /** Transactions the log was restored in (global order is kept across them, see restoreBackup). */
  eventTransactions: number;
  tables: TableSummary[];
}

/**
 * Refuses, naming why, every target a backup must not be restored into: another release's schema,
 * another master key, a database the service is using, or one that holds a ledger already.
 */
export async function checkRestorable(db: Client, manifest: BackupManifest, target: RestoreTarget): Promise<void> {
  if ([...manifest.migrations].sort().join() !== [...target.migrations].sort().join()) {
    const missing = manifest.migrations.filter((name) => !target.migrations.includes(name));
    throw new BackupError(
      missing.length > 0
        ? `the backup was made by a later release (migrations this one does not have: ${missing.join(', ')}); restore it with that release`
        : `the backup was made by an earlier release (its last migration is ${manifest.migrations.at(-1) ?? 'none'}); ` +
          'restore it with that release, then upgrade; nothing was written',
    );
  }
  const foreign = manifest.kekIds.filter((id) => id !== target.kekId);
  if (foreign.length > 0) {
    throw new BackupError(
      `the backup's keys are wrapped by master key ${foreign.join(', ')}, and this process holds master key ${target.kekId}${target.kekSource ? ` (${target.kekSource})` : ''}: ` +
        'supply the master key the backup was made under (LEDGER_MASTER_KEY, or master.key in the data directory); nothing was written',
    );
  }
  const { rows: clients } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`,
    [SERVICE_APPLICATION_NAME],
  );
  if (clients[0].n > 0) {
    throw new BackupError(`the service or a projector is connected to this database (${clients[0].n} connections): stop them before restoring; nothing was written`);
  }
  const held = BACKED_UP_TABLES.filter((table) => table.name !== 'vault_secrets');
  const { rows } = await db.query<{ name: string; n: string }>(
    held.map((table) => `SELECT '${table.name}' AS name, count(*)::text AS n FROM ${table.name}`).join(' UNION ALL '),
  );
  const nonEmpty = rows.filter((row) => Number(row.n) > 0);
  if (nonEmpty.length > 0) {
    throw new BackupError(
      `the target database holds a ledger already (${nonEmpty.map((row) => `${row.n} rows in ${row.name}`).join(', ')}): ` +
        'restore into a new data directory (LEDGER_DATA_DIR) or an empty database, before the service first starts there; nothing was written',
    );
  }
}

/**
 * Restores a verified backup into a checked target (checkRestorable).
 *
 * The log's global order is (transaction_id, position), and transaction ids are the server's own:
 * another server's ids mean nothing here, and ids above this server's would keep the events
 * hidden from readers until its counter passed them. So the log is restored in the order it was
 * backed up in, in consecutive transactions that each take a stretch of rows whose positions rise:
 * each gets a new, higher transaction id from this server, so ordering by (transaction_id,
 * position) gives back exactly the backed-up order, and with it the audit tree's leaf order. The
 * other tables follow in one transaction, whose synchronous commit also makes the log's durable.
 */
export async function restoreBackup(
  db: Client,
  file: string,
  onProgress?: (stage: string, done: number, total: number) => void,
): Promise<RestoreSummary> {
  const totals = new Map<string, number>();
  let copy: { stream: Writable; pending: string[]; bytes: number; table: string; rows: number } | undefined;
  let eventColumns: string[] = [];
  let eventTransactions = 0;
  let inTransaction = false;

  const flush = async () => {
    if (!copy || copy.pending.length === 0) return;
    const text = copy.pending.join('');
    copy.pending = [];
    copy.bytes = 0;
    if (!copy.stream.write(text)) await new Promise((resolve) => copy!.stream.once('drain', resolve));
  };
  const endCopy = async () => {
    await flush();
    const stream = copy!.stream;
    await new Promise<void>((resolve, reject) => {
      stream.once('finish', resolve);
      stream.once('error', reject);
      stream.end();
    });
    copy = undefined;
  };

  await db.query('SET synchronous_commit = off'); // the last commit is synchronous and flushes the rest
  try {
    const { manifest, tables } = await readBackup(file, async (part) => {
      switch (part.kind) {
        case 'manifest':
          totals.set('ledger_events', part.manifest.events);
          return;
        case 'table': {
          if (part.table === 'ledger_events') {
            eventColumns = part.columns;
            await db.query(`CREATE TEMP TABLE restore_events (LIKE ledger_events)`);
            await db.query(`ALTER TABLE restore_events DROP COLUMN transaction_id, ADD COLUMN restore_order bigint GENERATED ALWAYS AS IDENTITY`);
            copy = startCopy(db, 'restore_events', part.columns, part.table);
            return;
          }
          if (!BACKED_UP_TABLES.some((table) => table.name === part.table)) throw new BackupError(`the backup holds table ${part.table}, which this release does not restore`);
          if (!inTransaction) {
            await db.query('SET synchronous_commit = on');
            await db.query('BEGIN');
            inTransaction = true;
            await db.query('DELETE FROM vault_secrets'); // the empty target's own, made before the restore: the backup's replace them
          }
          copy = startCopy(db, part.table, part.columns, part.table);
          return;
        }
        case 'row':
          copy!.pending.push(part.line, '\n');
          copy!.bytes += part.line.length + 1;
          copy!.rows++;
          if (copy!.bytes >= COPY_CHUNK_BYTES) {
            await flush();
            onProgress?.(copy!.table, copy!.rows, totals.get(copy!.table) ?? copy!.rows);
          }
          return;
        case 'table-end':
          await endCopy();
          onProgress?.(part.summary.table, part.summary.rows, part.summary.rows);
          if (part.summary.table === 'ledger_events') {
            eventTransactions = await insertEventsInOrder(db, eventColumns, part.summary.rows, (done) => onProgress?.('ledger_events (ordering)', done, part.summary.rows));
          }
          return;
      }
    });
    if (!inTransaction) throw new BackupError(`${file} holds no table besides the log`);
    if (manifest.events > 0) {
      await db.query(`SELECT setval(pg_get_serial_sequence('ledger_events', 'position'), (SELECT max(position) FROM ledger_events))`);
    }
    await db.query('COMMIT');
    inTransaction = false;
    await db.query(`ANALYZE ${BACKED_UP_TABLES.map((table) => table.name).join(', ')}`);
    return { events: manifest.events, eventTransactions, tables };
  } catch (error) {
    if (copy) copy.stream.destroy();
    if (inTransaction) await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await db.query('DROP TABLE IF EXISTS restore_events').catch(() => undefined);
    await db.query('RESET synchronous_commit').catch(() => undefined);
  }
}

function startCopy(db: Client, into: string, columns: string[], table: string) {
  const stream = db.query(copyFrom(`COPY ${db.escapeIdentifier(into)} (${columnList(db, columns)}) FROM STDIN`));
  return { stream, pending: [] as string[], bytes: 0, table, rows: 0 };
}

/** Moves the staged log into ledger_events in backed-up order; returns the transactions used. */
async function insertEventsInOrder(db: Client, columns: string[], rows: number, onProgress: (done: number) => void): Promise<number> {
  if (rows === 0) return 0;
  const { rows: backs } = await db.query<{ at: string }>(
    `SELECT restore_order::text AS at FROM (
       SELECT restore_order, position < lag(position) OVER (ORDER BY restore_order) AS back FROM restore_events) s
      WHERE back ORDER BY restore_order`,
  );
  const starts = segmentStarts(backs.map((row) => Number(row.at)), rows);
  const list = columnList(db, columns);
  const insert = `INSERT INTO ledger_events (${list}) OVERRIDING SYSTEM VALUE
                  SELECT ${list} FROM restore_events WHERE restore_order >= $1 AND restore_order < $2 ORDER BY restore_order`;
  for (let i = 0; i < starts.length; i++) {
    const end = i + 1 < starts.length ? starts[i + 1] : rows + 1;
    await db.query(insert, [starts[i], end]); // its own transaction, so its own transaction id
    onProgress(end - 1);
  }
  return starts.length;
}

/**
 * Where each transaction of the restored log starts (restore_order is 1-based): at the first row,
 * wherever a position is lower than the one before it (`backs`), and every SEGMENT_ROWS rows.
 */
export function segmentStarts(backs: readonly number[], rows: number, segmentRows = SEGMENT_ROWS): number[] {
  const starts: number[] = [];
  const cuts = [...backs, rows + 1];
  let start = 1;
  for (const cut of cuts) {
    for (let at = start; at < cut; at += segmentRows) starts.push(at);
    start = cut;
  }
  return starts;
}
