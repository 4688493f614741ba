import { createHash, Hash, KeyObject, verify } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { link, open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { pipeline as pipelineCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip, Gzip } from 'node:zlib';
import { canonicalJson } from '@pi-ledger/event-store/payload-digest';

/**
 * The backup file: gzip of UTF-8 lines.
 *
 *   pi-ledger-backup/v1
 *   {"manifest": {...}}                                    what, when, under which keys
 *   {"table": "<name>", "columns": [...]}                  then the table's rows in COPY text
 *   <row>                                                   format, one per line (PostgreSQL
 *   \.                                                      escapes newlines, so a row is one line
 *   {"table": "<name>", "rows": N, "sha256": "<hex>"}       and never the line `\.`)
 *   ... one section per table ...
 *   {"end": {"tables": K, "sha256": "<hex>",                SHA-256 of every byte before this line,
 *            "signature": "<base64>", "keyId": "<hex>"}}    signed with the audit key (Ed25519)
 *
 * Each table's digest covers its row lines; the end digest covers the whole file up to the end
 * line, so a truncated or corrupted backup is refused before anything is restored; the signature
 * over the end digest makes an edit show too, to whoever checks it with the ledger's published
 * audit key (the restore does, with the installed one).
 */
export const BACKUP_FORMAT = 'pi-ledger-backup/v1';
const END_OF_ROWS = '\\.';

export interface BackupManifest {
  createdAt: string;
  /** Migrations applied to the database the backup was made from, in order. */
  migrations: string[];
  /** Ids of the master keys that wrap the vault's keys and secrets in the backup. */
  kekIds: string[];
  /** The audit key's public key (PEM) and id when the backup was made: its tree heads verify under it. */
  auditPublicKey: { keyId: string; publicKeyPem: string };
  events: number;
  lastPosition: number;
  treeSize: number;
  postgresVersion: string;
}

/** The last line: what the whole file's digest is, and the audit key's signature over it. */
export interface BackupEnd {
  tables: number;
  sha256: string;
  signature: string;
  keyId: string;
}

/** Signs with the audit key (TreeHeadSigner is one). */
export interface BackupSigner {
  readonly keyId: string;
  signCanonical(statement: object): string;
}

const SIGNED_PURPOSE = 'pi-ledger/backup/v1';

/** True when `end` is signed by `publicKey` (its key id aside: check that against the key you trust). */
export function backupSignedBy(end: BackupEnd, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson({ purpose: SIGNED_PURPOSE, sha256: end.sha256 }), 'utf8'), publicKey, Buffer.from(end.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Refuses a backup whose end `publicKey` did not sign (`whose` names the key in the message). */
export function assertBackupSigned(file: string, end: BackupEnd, publicKey: KeyObject, whose: string): void {
  if (!backupSignedBy(end, publicKey)) {
    throw new BackupError(`${file} is not signed by ${whose} (it names audit key ${end.keyId}): it was edited, or made under another audit key`);
  }
}

export interface TableSummary {
  table: string;
  columns: string[];
  rows: number;
  sha256: string;
}

/**
 * Writes a backup to `<file>.partial`, then publishes it under `<file>` once complete and on disk
 * (link(2), which fails if the name exists, so no backup is ever replaced; then the directory is
 * synced).
 */
export class BackupWriter {
  private readonly gzip: Gzip = createGzip();
  private readonly whole: Hash = createHash('sha256');
  private table?: { name: string; columns: string[]; hash: Hash; rows: number };
  private tables = 0;
  /** Settles when the file is written and synced, or rejects when writing it failed (a full disk): every wait races it. */
  private readonly done: Promise<void>;

  private constructor(
    private readonly file: string,
    private readonly partial: string,
    handle: Awaited<ReturnType<typeof open>>,
    private readonly signer: BackupSigner,
  ) {
    this.done = pipeline(this.gzip, handle.createWriteStream()).then(async () => {
      const sync = await open(partial, 'r');
      await sync.sync().finally(() => sync.close());
    });
    this.done.catch(() => undefined); // awaited by every write and by finish(); a failure between them is not unhandled
  }

  /** Refuses to overwrite an existing file: a backup is never replaced by accident. */
  static async create(file: string, manifest: BackupManifest, signer: BackupSigner): Promise<BackupWriter> {
    const partial = `${file}.partial`;
    await assertAbsent(file);
    const handle = await open(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      throw new BackupError(`${partial} exists: another backup to ${file} is running, or one was interrupted (remove it)`);
    });
    const writer = new BackupWriter(file, partial, handle, signer);
    await writer.line(BACKUP_FORMAT);
    await writer.line(JSON.stringify({ manifest }));
    return writer;
  }

  async beginTable(name: string, columns: string[]): Promise<void> {
    await this.line(JSON.stringify({ table: name, columns }));
    this.table = { name, columns, hash: createHash('sha256'), rows: 0 };
  }

  /** Rows as COPY TO STDOUT sends them: whole lines, split anywhere across chunks. Returns the rows written so far. */
  async rows(chunk: Buffer): Promise<number> {
    const table = this.table!;
    table.hash.update(chunk);
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) table.rows++;
    await this.write(chunk);
    return table.rows;
  }

  async endTable(): Promise<TableSummary> {
    const table = this.table!;
    const summary = { table: table.name, columns: table.columns, rows: table.rows, sha256: table.hash.digest('hex') };
    await this.line(END_OF_ROWS);
    await this.line(JSON.stringify({ table: summary.table, rows: summary.rows, sha256: summary.sha256 }));
    this.table = undefined;
    this.tables++;
    return summary;
  }

  async finish(): Promise<void> {
    const sha256 = this.whole.digest('hex');
    const endRecord: BackupEnd = { tables: this.tables, sha256, signature: this.signer.signCanonical({ purpose: SIGNED_PURPOSE, sha256 }), keyId: this.signer.keyId };
    const end = JSON.stringify({ end: endRecord });
    this.gzip.end(`${end}\n`);
    await this.done;
    try {
      await link(this.partial, this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError(`${this.file} was created meanwhile: the backup stays in ${this.partial}`);
      throw error;
    }
    await unlink(this.partial);
    const directory = await open(dirname(this.file), 'r');
    await directory.sync().finally(() => directory.close());
  }

  async abandon(): Promise<void> {
    this.gzip.destroy(); // the pipeline closes the file
    await this.done.catch(() => undefined);
    await unlink(this.partial).catch(() => undefined);
  }

  private line(text: string): Promise<void> {
    return this.write(Buffer.from(`${text}\n`, 'utf8'));
  }

  private async write(bytes: Buffer): Promise<void> {
    this.whole.update(bytes);
    if (!this.gzip.write(bytes)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }
}

async function assertAbsent(file: string): Promise<void> {
  const exists = await open(file, 'r').then(
    async (handle) => (await handle.close(), true),
    () => false,
  );
  if (exists) throw new BackupError(`${file} exists already: choose another name (a backup is never overwritten)`);
}

export class BackupError extends Error {}

/** What a reader is handed, in file order. */
export type BackupPart =
  | { kind: 'manifest'; manifest: BackupManifest }
  | { kind: 'table'; table: string; columns: string[] }
  /** One row in COPY text format, without its newline. */
  | { kind: 'row'; table: string; line: string }
  | { kind: 'table-end'; summary: TableSummary };

/**
 * Reads a backup, checking every digest and count as it goes; throws BackupError at the first
 * thing wrong. Call it once to verify a file before restoring from it: `onPart` then sees the
 * parts of a file that is whole only when the call returns.
 */
export async function readBackup(file: string, onPart: (part: BackupPart) => Promise<void> | void): Promise<{ manifest: BackupManifest; tables: TableSummary[]; end: BackupEnd }> {
  const whole = createHash('sha256');
  const tables: TableSummary[] = [];
  let manifest: BackupManifest | undefined;
  let table: { name: string; columns: string[]; hash: Hash; rows: number; ended: boolean } | undefined;
  let end: BackupEnd | undefined;
  let number = 0;
  const bad = (why: string) => new BackupError(`${file}, line ${number}: ${why}`);

  try {
    for await (const line of linesOf(file)) {
      number++;
      if (end) throw bad('data after the end of the backup');
      if (number === 1) {
        if (line !== BACKUP_FORMAT) throw new BackupError(`${file} is not a pi-ledger backup (expected the first line ${BACKUP_FORMAT})`);
      } else if (table && !table.ended) {
        if (line === END_OF_ROWS) {
          table.ended = true;
        } else {
          const bytes = Buffer.from(`${line}\n`, 'utf8');
          table.hash.update(bytes);
          whole.update(bytes);
          table.rows++;
          await onPart({ kind: 'row', table: table.name, line });
          continue;
        }
      } else {
        const record = parseRecord(line, bad);
        if (number === 2) {
          if (!record.manifest) throw bad('the manifest is missing');
          manifest = record.manifest as BackupManifest;
          await onPart({ kind: 'manifest', manifest });
        } else if (record.end) {
          if (table) throw bad(`table ${table.name} has no summary`);
          end = record.end as BackupEnd;
          if (typeof end.signature !== 'string' || typeof end.keyId !== 'string') throw bad('the end of the backup is not signed');
          if (whole.digest('hex') !== end.sha256) throw bad('the file’s digest does not match: it was damaged or edited');
          if (end.tables !== tables.length) throw bad(`the end names ${end.tables} tables, the file holds ${tables.length}`);
          continue;
        } else if (table) {
          const summary = { table: table.name, columns: table.columns, rows: table.rows, sha256: table.hash.digest('hex') };
          if (record.table !== table.name || record.rows !== summary.rows || record.sha256 !== summary.sha256) {
            throw bad(`the rows of table ${table.name} do not match their summary (${summary.rows} rows read): the file was damaged or edited`);
          }
          tables.push(summary);
          table = undefined;
          await onPart({ kind: 'table-end', summary });
        } else {
          if (typeof record.table !== 'string' || !Array.isArray(record.columns)) throw bad('a table section was expected');
          table = { name: record.table, columns: record.columns as string[], hash: createHash('sha256'), rows: 0, ended: false };
          await onPart({ kind: 'table', table: table.name, columns: table.columns });
        }
      }
      whole.update(`${line}\n`, 'utf8');
    }
  } catch (error) {
    throw readFailure(file, error);
  }
  if (!manifest || !end) throw new BackupError(`${file} ends early (line ${number}): the backup is incomplete`);
  return { manifest, tables, end };
}

/**
 * The file's lines, gunzipped and decoded as they are read: each chunk is split when the loop asks
 * for more, so a slow consumer (a restore's COPY) holds the reading back instead of lines piling up.
 */
async function* linesOf(file: string): AsyncGenerator<string> {
  const text = pipelineCallback(createReadStream(file), createGunzip(), () => undefined); // errors surface in the loop below
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of text) {
    const lines = (rest + decoder.write(chunk as Buffer)).split('\n');
    rest = lines.pop()!;
    yield* lines;
  }
  rest += decoder.end();
  if (rest.length > 0) yield rest; // no newline at the end: cut short, which the checks then report
}

/** A file that does not gunzip is damaged; one that cannot be read at all is no verdict on the backup. */
function readFailure(file: string, error: unknown): unknown {
  // node's own errors may come from another realm (a test runner's), so no instanceof Error here
  if (error instanceof BackupError || typeof error !== 'object' || error === null) return error;
  const { code = '', message = '', syscall } = error as NodeJS.ErrnoException;
  if (code.startsWith('Z_') || /unexpected end of file|incorrect header check/i.test(message)) {
    return new BackupError(`${file}: not a complete gzip file (${message})`);
  }
  if (syscall && (error as NodeJS.ErrnoException).path !== undefined) return new Error(`cannot read ${file}: ${message}`);
  return error; // thrown by onPart: the caller's own failure
}

function parseRecord(line: string, bad: (why: string) => BackupError): Record<string, unknown> {
  try {
    const record: unknown = JSON.parse(line);
    if (typeof record === 'object' && record !== null && !Array.isArray(record)) return record as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw bad('not a record of a pi-ledger backup');
}
