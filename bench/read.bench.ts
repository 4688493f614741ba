/**
 * `npm run bench:read`: PostgresEventStore.readAll, paged through the whole log by checkpoints,
 * against a raw keyset-paged SELECT of the same rows and columns from the same table, same page
 * size, same pool, in the same run; with the peak RSS of each read, at a tenth of the events and at
 * all of them, to show that memory stays flat as the log grows (the read is streamed page by page).
 *
 * Options: --events N (BENCH_EVENTS, default 1,000,000), --page N (BENCH_PAGE, default 5,000),
 * --rounds N (BENCH_ROUNDS, default 4: each reader four times per size, AB BA AB BA), since a
 * shared machine's noise then averages out between the readers.
 * Run with --expose-gc (the npm script does) so each read starts from a collected heap.
 */
import { Pool } from 'pg';
import { BEGINNING } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import {
  BenchDatabase,
  createEventTemplates,
  environmentNote,
  formatCount,
  formatMiB,
  formatRatio,
  generateEvents,
  intOption,
  log,
  markdownTable,
  measuredPass,
  openBenchDatabase,
  Pass,
  roundRatios,
  runBench,
  writeDocSection,
} from './bench-support';

const TARGET_RATIO = 0.5;
/** readGlobalBatch's own cap: a larger page would read more per query for the raw reader only. */
const MAX_PAGE = 10_000;
const TEMPLATE_TABLE = 'bench_read_templates';
const TEMPLATES = 1_000;
/** Rows per generating INSERT: one transaction each, and a progress step. */
const GENERATE_CHUNK = 25_000;
/** Events spread over this many streams, as subjects' streams would be. */
const STREAMS = 10_000;

interface Settings {
  events: number;
  page: number;
  rounds: number;
}

/** Reads the whole log page by page; calls `onPage` with each page still referenced. */
interface Reader {
  readonly name: string;
  readAll(page: number, onPage: (events: number) => void): Promise<number>;
}

interface SizeResult {
  size: number;
  /** Per reader, in the order of the readers list. */
  reads: Pass[][];
}

runBench(async (defer) => {
  const settings = readSettings();
  const database = await openBenchDatabase(defer);
  const owner = await database.ownerClient();
  // the reads run one at a time: one connection, the same for both readers
  const pool = await database.ledgerPool(1);
  const store = new PostgresEventStore(pool);
  defer(() => store.close());
  const readers = [rawSelect(pool), storeReadAll(store)];

  await createEventTemplates(owner, TEMPLATE_TABLE, TEMPLATES);
  const sizes = [...new Set([Math.max(settings.page, Math.round(settings.events / 10)), settings.events])];
  const results: SizeResult[] = [];
  let stored = 0;
  for (const size of sizes) {
    stored = await generateEvents(owner, {
      templates: { table: TEMPLATE_TABLE, count: TEMPLATES },
      from: stored,
      to: size,
      streams: STREAMS,
      streamPrefix: 'subject-',
      chunk: GENERATE_CHUNK,
      after: 'ANALYZE',
    });
    results.push(await measureSize(size, readers, settings));
  }

  const report = renderReport(results, readers, settings, database);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('read', report)}`);
});

function readSettings(): Settings {
  const settings = {
    events: intOption('events', 'BENCH_EVENTS', 1_000_000),
    page: intOption('page', 'BENCH_PAGE', 5_000),
    rounds: intOption('rounds', 'BENCH_ROUNDS', 4),
  };
  if (settings.page > MAX_PAGE) throw new Error(`--page must be at most ${MAX_PAGE}, readAll's own limit`);
  return settings;
}

// ---------------------------------------------------------------------------------------------
// The readers

/**
 * The baseline: keyset paging on the primary key, the same columns as the store selects, parsed
 * by node-pg the same way (bigint and xid8 as strings, jsonb parsed, bytea as Buffer). The rows
 * are only counted: turning them into events is part of what the store is measured for.
 */
function rawSelect(pool: Pool): Reader {
  return {
    name: 'raw SELECT',
    async readAll(page, onPage) {
      let after = '0';
      let count = 0;
      for (;;) {
        const { rows } = await pool.query(
          `SELECT position, transaction_id, event_id, stream_id, stream_version, type, schema_version, data,
                  metadata, payload_digest, recorded_at
             FROM ledger_events WHERE position > $1 ORDER BY position LIMIT $2`,
          [after, page],
        );
        if (rows.length === 0) return count;
        onPage(rows.length);
        count += rows.length;
        after = rows[rows.length - 1].position;
      }
    },
  };
}

/** The subject: what a projector catching up does, page after page from the last checkpoint. */
function storeReadAll(store: PostgresEventStore): Reader {
  return {
    name: 'readAll',
    async readAll(page, onPage) {
      let from = BEGINNING;
      let count = 0;
      for (;;) {
        const events = await store.readAll({ from, maxCount: page });
        if (events.length === 0) return count;
        onPage(events.length);
        count += events.length;
        from = events[events.length - 1].checkpoint;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Each reader reads the whole log `rounds` times, in ABBA order so warming falls on both alike. */
async function measureSize(size: number, readers: readonly Reader[], settings: Settings): Promise<SizeResult> {
  const reads: Pass[][] = readers.map(() => []);
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? readers : [...readers].reverse();
    for (const reader of order) {
      const title = `${formatCount(size)} events: round ${round + 1}/${settings.rounds}, ${reader.name}`;
      reads[readers.indexOf(reader)].push(await timedRead(reader, size, settings.page, title));
    }
  }
  return { size, reads };
}

async function timedRead(reader: Reader, expected: number, page: number, title: string): Promise<Pass> {
  let seen = 0;
  const read = await measuredPass(title, expected, (onProgress) => reader.readAll(page, (count) => onProgress((seen += count))));
  if (read.events !== expected) throw new Error(`${reader.name} read ${read.events} events, expected ${expected}`);
  return read;
}

// ---------------------------------------------------------------------------------------------
// Reporting

const rate = (reads: readonly Pass[]): number => reads.reduce((total, read) => total + read.events, 0) / reads.reduce((total, read) => total + read.seconds, 0);
const peak = (reads: readonly Pass[]): number => Math.max(...reads.map((read) => read.peakRss));

function renderReport(results: readonly SizeResult[], readers: readonly Reader[], settings: Settings, database: BenchDatabase): string {
  const table = markdownTable(
    ['log size', 'reader', 'events/s', 'vs raw SELECT', 'by round', 'peak RSS'],
    results.flatMap((result) => readers.map((reader, index) => row(result, reader, index))),
    ['right', 'left', 'right', 'right', 'left', 'right'],
  );
  return [
    '## Read throughput',
    '',
    environmentNote(database),
    '',
    `The log is generated inside PostgreSQL from ${TEMPLATES} sample events (the append benchmark's shape, with their ` +
      `canonical digests) over ${formatCount(STREAMS)} streams, then ANALYZEd. At each size every reader reads the whole ` +
      `log ${settings.rounds === 1 ? 'once' : `${settings.rounds} times`}, alternating which goes first, in pages of ` +
      `${formatCount(settings.page)}:`,
    '',
    '- **raw SELECT** (the baseline): `SELECT` of the same columns `WHERE position > $1 ORDER BY position LIMIT $2`, ' + 'rows parsed by node-pg and counted.',
    "- **readAll**: `PostgresEventStore.readAll({ from, maxCount })` from the last event's checkpoint, i.e. in " +
      '(transaction_id, position) order with the visibility horizon, rows mapped to events.',
    '',
    'Peak RSS is sampled every 5 ms and after every page, each read starting after a forced GC; one process ' +
      'does all the reads, so RSS also carries the heap V8 chose to keep from earlier ones. The raw SELECT holds ' +
      'one page at a time by construction: it is the memory baseline too.',
    '',
    table,
    '',
    ...verdicts(results, readers),
  ].join('\n');
}

function row(result: SizeResult, reader: Reader, index: number): string[] {
  const own = result.reads[index];
  const baseline = result.reads[0];
  return [
    formatCount(result.size),
    reader.name,
    formatCount(rate(own)),
    formatRatio(rate(own) / rate(baseline)),
    index === 0
      ? ''
      : roundRatios(
          own.map((read) => rate([read])),
          baseline.map((read) => rate([read])),
        ),
    formatMiB(peak(own)),
  ];
}

function verdicts(results: readonly SizeResult[], readers: readonly Reader[]): string[] {
  const subject = readers.length - 1;
  const lines = results.map((result) => {
    const ratio = rate(result.reads[subject]) / rate(result.reads[0]);
    const verdict = ratio >= TARGET_RATIO ? 'met' : 'NOT met';
    return `- ${formatCount(result.size)} events: readAll reaches ${formatRatio(ratio)} of the raw SELECT rate ` + `(target ≥ ${formatRatio(TARGET_RATIO)}: ${verdict}).`;
  });
  lines.push(memoryVerdict(results, subject));
  return lines;
}

/**
 * A read that held its events would need memory in proportion to the log: at 1M events, gigabytes.
 * A streamed one needs about a page whatever the log, like the raw reader, which keeps one page by
 * construction. So: at every size, readAll's peak must stay near the raw reader's (within a quarter
 * plus 32 MiB of GC timing noise), and the figures at both sizes are shown side by side.
 */
function memoryVerdict(results: readonly SizeResult[], subject: number): string {
  const near = results.every((result) => peak(result.reads[subject]) <= 1.25 * peak(result.reads[0]) + 32 * 2 ** 20);
  const figures = results
    .map((result) => `${formatMiB(peak(result.reads[subject]))} at ${formatCount(result.size)} events ` + `(raw SELECT ${formatMiB(peak(result.reads[0]))})`)
    .join(', ');
  const verdict = near ? 'no more than the page-by-page raw reader, so the read is streamed' : 'ABOVE the page-by-page raw reader: the read holds events';
  return `- Memory: readAll's peak RSS is ${figures}: ${verdict}.`;
}
