/**
 * `npm run bench:backup`: `ledger backup create`, `verify` and `restore` of a log of N events, each
 * against plain COPY in the same run, on the same server:
 *
 * - create vs `COPY (SELECT … ORDER BY transaction_id, position) TO STDOUT` of the same log through
 *   the same gzip into a file (what any dump of it costs, without the digests, the other tables and
 *   the framing);
 * - verify: reading the file back and checking every digest, against gunzipping it;
 * - restore vs `COPY ledger_events FROM STDIN` of the plain file into an empty ledger in one
 *   transaction (which keeps no global order of its own: every row gets the one transaction id).
 *
 * With the peak RSS of each: both directions stream, so memory must not grow with the log. Run with
 * --expose-gc (the npm script does). Options: --events N (BENCH_EVENTS, default 1,000,000),
 * --subjects N (BENCH_SUBJECTS, rows of vault keys, default 100,000).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { TreeHeadSigner } from '@pi-ledger/audit/tree-head-signer';
import { readBackup } from '../apps/ledger-cli/src/backup/backup-archive';
import { columnList, columnsOf } from '../apps/ledger-cli/src/backup/backup-tables';
import { createBackup } from '../apps/ledger-cli/src/backup/create-backup';
import { restoreBackup } from '../apps/ledger-cli/src/backup/restore-backup';
import {
  BenchDatabase,
  createEventTemplates,
  environmentNote,
  formatCount,
  formatMiB,
  formatRatio,
  formatSeconds,
  generateEvents,
  intOption,
  loadAverage,
  loadNote,
  log,
  markdownTable,
  openBenchDatabase,
  RssSampler,
  runBench,
  writeDocSection,
} from './bench-support';

const TEMPLATE_TABLE = 'bench_backup_templates';
const BENCH_SIGNER = TreeHeadSigner.generate();
const TEMPLATES = 1_000;
const STREAMS = 10_000;
const GENERATE_CHUNK = 25_000;
/** Peak RSS may differ by GC timing; more than this over the baseline means something held rows. */
const MEMORY_SLACK = 64 * 2 ** 20;

interface Phase {
  seconds: number;
  peakRss: number;
}

interface Comparison {
  operation: string;
  baseline: string;
  base: Phase;
  ledger: Phase;
}

runBench(async (defer) => {
  const events = intOption('events', 'BENCH_EVENTS', 1_000_000);
  const subjects = intOption('subjects', 'BENCH_SUBJECTS', 100_000);
  const startLoad = loadAverage();
  const database = await openBenchDatabase(defer);
  const owner = await database.ownerClient();
  const dir = await mkdtemp(join(tmpdir(), 'pi-ledger-bench-backup-'));
  defer(() => rm(dir, { recursive: true, force: true }));

  await createEventTemplates(owner, TEMPLATE_TABLE, TEMPLATES);
  await fillVault(owner, subjects);
  const columns = await columnsOf(owner, { name: 'ledger_events', orderBy: 'transaction_id, position', omit: ['transaction_id'] });
  const results: SizeResult[] = [];
  let stored = 0;
  for (const size of [...new Set([Math.max(1, Math.round(events / 10)), events])]) {
    stored = await generateEvents(owner, {
      templates: { table: TEMPLATE_TABLE, count: TEMPLATES },
      from: stored,
      to: size,
      streams: STREAMS,
      streamPrefix: 'subject-',
      chunk: GENERATE_CHUNK,
      after: 'VACUUM (ANALYZE)',
    });
    results.push(await measureSize(database, owner, columns, dir, size));
  }

  const report = renderReport(results, subjects, database, startLoad);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('backup', report)}`);
});

interface SizeResult {
  events: number;
  comparisons: Comparison[];
  sizes: { plain: number; backup: number };
}

async function measureSize(database: BenchDatabase, owner: Client, columns: string[], dir: string, events: number): Promise<SizeResult> {
  const plainFile = join(dir, `plain-${events}.copy.gz`);
  const backupFile = join(dir, `ledger-${events}.backup`);
  const at = `${formatCount(events)} events: `;
  const create: Comparison = {
    operation: 'create',
    baseline: 'COPY TO STDOUT → gzip',
    base: await measure(`${at}plain COPY of the log to a gzip file`, () => plainDump(owner, columns, plainFile)),
    ledger: await measure(`${at}ledger backup create`, () => createBackup(owner, backupFile, { signer: BENCH_SIGNER })),
  };
  const verify: Comparison = {
    operation: 'verify',
    baseline: 'gunzip',
    base: await measure(`${at}gunzip of the backup`, () =>
      pipeline(createReadStream(backupFile), createGunzip(), async (chunks) => {
        for await (const _ of chunks) void _;
      }),
    ),
    ledger: await measure(`${at}ledger backup verify`, () => readBackup(backupFile, () => undefined)),
  };
  const plainTarget = await database.sibling();
  const ledgerTarget = await database.sibling();
  const restore: Comparison = {
    operation: 'restore',
    baseline: 'gunzip → COPY FROM STDIN, one transaction',
    base: await measure(`${at}plain COPY of the log into an empty ledger`, () => withClient(plainTarget, (db) => plainLoad(db, columns, plainFile))),
    ledger: await measure(`${at}ledger backup restore`, () => withClient(ledgerTarget, (db) => restoreBackup(db, backupFile))),
  };
  await checkRestored(owner, ledgerTarget, events);
  const sizes = { plain: (await stat(plainFile)).size, backup: (await stat(backupFile)).size };
  await Promise.all([rm(plainFile), rm(backupFile)]);
  return { events, comparisons: [create, verify, restore], sizes };
}

/** A subject's row of wrapped keys per subject: five keys each, as a registration leaves them. */
async function fillVault(owner: Client, subjects: number): Promise<void> {
  await owner.query(
    `INSERT INTO vault_subject_keys (subject_id, kek_id, categories, key_ids, wrapped)
     SELECT 'subject-' || i, '0123456789abcdef', ARRAY['contact', 'employment', 'health', 'identity', 'identity_document'],
            ARRAY(SELECT md5(i || '-' || k)::uuid FROM generate_series(1, 5) k),
            ARRAY(SELECT decode(md5(i || 'a' || k) || md5(i || 'b' || k) || md5(i || 'c' || k) || substr(md5(i || 'd' || k), 1, 24), 'hex') FROM generate_series(1, 5) k)
       FROM generate_series(1, $1::int) i`,
    [subjects],
  );
}

async function plainDump(db: Client, columns: string[], file: string): Promise<void> {
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await pipeline(
      db.query(copyTo(`COPY (SELECT ${columnList(db, columns)} FROM ledger_events ORDER BY transaction_id, position) TO STDOUT`)),
      createGzip(),
      createWriteStream(file),
    );
  } finally {
    await db.query('COMMIT');
  }
}

async function plainLoad(db: Client, columns: string[], file: string): Promise<void> {
  await db.query('BEGIN');
  await pipeline(createReadStream(file), createGunzip(), db.query(copyFrom(`COPY ledger_events (${columnList(db, columns)}) FROM STDIN`)));
  await db.query('COMMIT');
}

async function withClient<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url, application_name: 'pi-ledger-bench' });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

async function measure(label: string, work: () => Promise<unknown>): Promise<Phase> {
  log(`${label}…`);
  const sampler = new RssSampler();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const peakRss = sampler.stop();
  log(`${label}: ${formatSeconds(seconds)}, peak RSS ${formatMiB(peakRss)}`);
  return { seconds, peakRss };
}

/** The restored log is the source's, event for event, in the same global order. */
async function checkRestored(source: Client, targetUrl: string, events: number): Promise<void> {
  const digest = `SELECT count(*)::int AS n, md5(string_agg(event_id::text || ':' || position, ',' ORDER BY transaction_id, position)) AS order_digest FROM ledger_events`;
  const [theirs, ours] = [(await source.query(digest)).rows[0], await withClient(targetUrl, async (db) => (await db.query(digest)).rows[0])];
  if (ours.n !== events || ours.order_digest !== theirs.order_digest) {
    throw new Error(`the restored log differs: ${ours.n} events (expected ${events}), order digest ${ours.order_digest} (source ${theirs.order_digest})`);
  }
  log(`checked: the restored log holds the ${formatCount(events)} events in the source's global order`);
}

function renderReport(results: readonly SizeResult[], subjects: number, database: BenchDatabase, startLoad: number): string {
  const table = markdownTable(
    ['log size', 'operation', 'baseline', 'baseline time', 'ledger time', 'ledger events/s', 'vs baseline', 'peak RSS'],
    results.flatMap((result) =>
      result.comparisons.map((c) => [
        formatCount(result.events),
        c.operation,
        c.baseline,
        formatSeconds(c.base.seconds),
        formatSeconds(c.ledger.seconds),
        formatCount(result.events / c.ledger.seconds),
        formatRatio(c.base.seconds / c.ledger.seconds),
        formatMiB(c.ledger.peakRss),
      ]),
    ),
    ['right', 'left', 'left', 'right', 'right', 'right', 'right', 'right'],
  );
  const [small, large] = [results[0], results[results.length - 1]];
  const peakOf = (result: SizeResult) => Math.max(...result.comparisons.map((c) => c.ledger.peakRss));
  const flat = peakOf(large) <= peakOf(small) + MEMORY_SLACK;
  return [
    '## Backup and restore',
    '',
    environmentNote(database),
    loadNote(startLoad),
    '',
    '```sh',
    'npm run bench:backup   # options: --events N (BENCH_EVENTS), --subjects N (BENCH_SUBJECTS)',
    '```',
    '',
    `A log generated inside PostgreSQL (the shared sample shapes over ${formatCount(STREAMS)} streams), first of a tenth ` +
      `of the events, then of all of them, and ${formatCount(subjects)} subjects' rows of wrapped data keys (five keys ` +
      'each). At each size each operation runs once, its baseline first, in the benchmark process as the CLI runs them ' +
      '(`createBackup`, `readBackup`, `restoreBackup`):',
    '',
    '- **create** against `COPY (SELECT <the same columns> FROM ledger_events ORDER BY transaction_id, position) TO STDOUT` ' +
      'through the same gzip into a file, in a REPEATABLE READ transaction: the backup adds the other tables, a SHA-256 per ' +
      'table and for the file, and the framing.',
    '- **verify** against gunzipping the backup: it adds splitting into lines and the digests.',
    '- **restore** against `COPY ledger_events FROM STDIN` of the plain file into an empty migrated ledger, in one ' +
      'transaction: the restore first checks the whole file, then stages the log, replays it in backed-up order in ' +
      'transactions of at most 10,000 events (its global order), restores the other tables and ANALYZEs.',
    '',
    table,
    '',
    ...results.map(
      (r) => `- Files at ${formatCount(r.events)} events: ${formatMiB(r.sizes.backup)} for the backup, ${formatMiB(r.sizes.plain)} for the plain COPY of the log alone.`,
    ),
    `- Memory: the ledger phases peak at ${formatMiB(peakOf(small))} of RSS at ${formatCount(small.events)} events and ` +
      `${formatMiB(peakOf(large))} at ${formatCount(large.events)}: ${flat ? 'flat, so they stream' : 'it GROWS with the log: something holds rows'}.`,
    '- Each restored log was checked against the source: the same events in the same (transaction_id, position) order.',
  ].join('\n');
}
