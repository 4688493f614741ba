import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { CLI_APPLICATION_NAME } from '../cli-application-name';
import { BackupError, BackupManifest, readBackup, TableSummary } from './backup-archive';
import { BACKED_UP_TABLES, columnList, rowCounts, setPortableSession } from './backup-tables';

/** Rows of the log restored per transaction at most (a new transaction also starts wherever positions go back). */
const SEGMENT_ROWS = 10_000;
const COPY_CHUNK_BYTES = 256 * 1024;

export interface RestoreTarget {
  /** Migrations applied to the target, in order (it is migrated after checkEmptyTarget, before checkCompatible). */
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
 * Refuses, before anything is written (migrations included), a target in use or holding a ledger:
 * any other session on the database but the CLI's (the service, a projector, a psql), or any row
 * of the record. A database without the ledger's tables yet is empty.
 */
export async function checkEmptyTarget(db: Client): Promise<void> {
  const { rows: sessions } = await db.query<{ n: number; names: string[] }>(
    `SELECT count(*)::int AS n, array_agg(DISTINCT coalesce(nullif(application_name, ''), '(unnamed)')) AS names FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND application_name <> $1`,
    [CLI_APPLICATION_NAME],
  );
  if (sessions[0].n > 0) {
    throw new BackupError(
      `${sessions[0].n} other sessions are connected to this database (${sessions[0].names.join(', ')}): ` +
        'stop the service, its projectors and any other client before restoring; nothing was written',
    );
  }
  const { rows: schema } = await db.query<{ present: boolean }>(`SELECT to_regclass('ledger_events') IS NOT NULL AS present`);
  if (!schema[0].present) return;
  const counts = await rowCounts(
    db,
    BACKED_UP_TABLES.map((table) => table.name).filter((name) => name !== 'vault_secrets'),
  );
  const held = [...counts].filter(([, n]) => n > 0);
  if (held.length > 0) {
    throw new BackupError(
      `the target database holds a ledger already (${held.map(([name, n]) => `${n} rows in ${name}`).join(', ')}): ` +
        'restore into a new data directory (LEDGER_DATA_DIR) or an empty database, before the service first starts there; nothing was written',
    );
  }
}

/** Refuses a backup of another release's schema, or one whose keys another master key wraps. */
export function checkCompatible(manifest: BackupManifest, target: RestoreTarget): void {
  if ([...manifest.migrations].sort().join() !== [...target.migrations].sort().join()) {
    const missing = manifest.migrations.filter((name) => !target.migrations.includes(name));
    throw new BackupError(
      missing.length > 0
        ? `the backup was made by a later release (migrations this one does not have: ${missing.join(', ')}); restore it with that release; nothing was restored`
        : `the backup was made by an earlier release (its last migration is ${manifest.migrations.at(-1) ?? 'none'}); ` +
            'restore it with that release, then upgrade; nothing was restored',
    );
  }
  const foreign = manifest.kekIds.filter((id) => id !== target.kekId);
  if (foreign.length > 0) {
    throw new BackupError(
      `the backup's keys are wrapped by master key ${foreign.join(', ')}, and this process holds master key ${target.kekId}${target.kekSource ? ` (${target.kekSource})` : ''}: ` +
        'supply the master key the backup was made under (LEDGER_MASTER_KEY, or master.key in the data directory); nothing was restored',
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
export async function restoreBackup(db: Client, file: string, onProgress?: (stage: string, done: number, total: number) => void): Promise<RestoreSummary> {
  const totals = new Map<string, number>();
  let copy: CopyIn | undefined;
  let next = 0; // the index in BACKED_UP_TABLES of the table the file must hold next
  let eventColumns: string[] = [];
  let eventTransactions = 0;
  let inTransaction = false;

  await setPortableSession(db);
  await db.query('SET synchronous_commit = off'); // the last commit is synchronous and flushes the rest
  try {
    const { manifest, tables } = await readBackup(file, async (part) => {
      switch (part.kind) {
        case 'manifest':
          totals.set('ledger_events', part.manifest.events);
          return;
        case 'table': {
          // in this release's order: the log's global order is restored only before the one transaction of the rest
          if (part.table !== BACKED_UP_TABLES[next]?.name) throw new BackupError(`${file}: table ${part.table} where ${BACKED_UP_TABLES[next]?.name ?? 'the end'} belongs`);
          next++;
          if (part.table === 'ledger_events') {
            eventColumns = part.columns;
            await db.query(`CREATE TEMP TABLE restore_events (LIKE ledger_events)`);
            await db.query(`ALTER TABLE restore_events DROP COLUMN transaction_id, ADD COLUMN restore_order bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`);
            copy = new CopyIn(db, 'restore_events', part.columns, part.table);
            return;
          }
          if (!inTransaction) {
            await db.query('SET synchronous_commit = on');
            await db.query('BEGIN');
            inTransaction = true;
            await db.query('DELETE FROM vault_secrets'); // the empty target's own, made before the restore: the backup's replace them
          }
          copy = new CopyIn(db, part.table, part.columns, part.table);
          return;
        }
        case 'row':
          if (await copy!.add(part.line)) onProgress?.(copy!.table, copy!.rows, totals.get(copy!.table) ?? copy!.rows);
          return;
        case 'table-end':
          await copy!.end();
          copy = undefined;
          onProgress?.(part.summary.table, part.summary.rows, part.summary.rows);
          if (part.summary.table === 'ledger_events') {
            await db.query('ANALYZE restore_events');
            eventTransactions = await insertEventsInOrder(db, eventColumns, part.summary.rows, (done) => onProgress?.('ledger_events (ordering)', done, part.summary.rows));
          }
          return;
      }
    });
    if (next !== BACKED_UP_TABLES.length)
      throw new BackupError(
        `${file} lacks the tables ${BACKED_UP_TABLES.slice(next)
          .map((t) => t.name)
          .join(', ')}`,
      );
    if (manifest.events > 0) {
      await db.query(`SELECT setval(pg_get_serial_sequence('ledger_events', 'position'), (SELECT max(position) FROM ledger_events))`);
    }
    await db.query('COMMIT');
    inTransaction = false;
    await db.query(`ANALYZE ${BACKED_UP_TABLES.map((table) => table.name).join(', ')}`);
    return { events: manifest.events, eventTransactions, tables };
  } catch (error) {
    copy?.abort();
    if (inTransaction) await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await db.query('DROP TABLE IF EXISTS restore_events').catch(() => undefined);
    await db.query('RESET synchronous_commit').catch(() => undefined);
  }
}

/**
 * One COPY … FROM STDIN, fed lines in chunks. The server's refusal (a full disk, a dropped
 * connection, a row a constraint rejects) comes as the stream's 'error' at any time, and
 * pg-copy-streams may emit more than one: a listener for as long as the stream lives keeps the
 * first, every later write or the end throws it, and no wait outlives it.
 */
class CopyIn {
  rows = 0;
  private readonly stream: Writable;
  private error?: Error;
  private readonly failed: Promise<never>;
  private pending: string[] = [];
  private bytes = 0;

  constructor(
    db: Client,
    into: string,
    columns: string[],
    readonly table: string,
  ) {
    this.stream = db.query(copyFrom(`COPY ${db.escapeIdentifier(into)} (${columnList(db, columns)}) FROM STDIN`));
    let fail: (error: Error) => void = () => undefined;
    this.failed = new Promise<never>((_, reject) => (fail = reject));
    this.failed.catch(() => undefined); // raised by the next add() or end()
    this.stream.on('error', (error: Error) => {
      this.error ??= error;
      fail(this.error);
    });
  }

  /** True when a chunk went to the server (a moment to report progress). */
  async add(line: string): Promise<boolean> {
    if (this.error) throw this.error;
    this.pending.push(line, '\n');
    this.bytes += line.length + 1;
    this.rows++;
    if (this.bytes < COPY_CHUNK_BYTES) return false;
    await this.flush();
    return true;
  }

  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
    await Promise.race([once(this.stream, 'finish'), this.failed]);
  }

  /** Ends a COPY that is still open (a damaged file found half-way): CopyFail, whose error the listener takes. */
  abort(): void {
    if (!this.error && !this.stream.destroyed && !this.stream.writableFinished) this.stream.destroy();
  }

  private async flush(): Promise<void> {
    if (this.error) throw this.error;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.bytes = 0;
    if (!this.stream.write(text)) await Promise.race([once(this.stream, 'drain'), this.failed]);
  }
}

/** Moves the staged log into ledger_events in backed-up order; returns the transactions used. */
async function insertEventsInOrder(db: Client, columns: string[], rows: number, onProgress: (done: number) => void): Promise<number> {
  if (rows === 0) return 0;
  const { rows: backs } = await db.query<{ at: string }>(
    `SELECT restore_order::text AS at FROM (
       SELECT restore_order, position < lag(position) OVER (ORDER BY restore_order) AS back FROM restore_events) s
      WHERE back ORDER BY restore_order`,
  );
  const starts = segmentStarts(
    backs.map((row) => Number(row.at)),
    rows,
  );
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
