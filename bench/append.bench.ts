/**
 * `npm run bench:append`: write throughput of PostgresEventStore.appendToStream against raw INSERTs
 * of rows of the same shape into a plain table, same server, same database, same pool, same number
 * of concurrent writers, one transaction per append. Two modes: one event per append, and batches.
 * A third writer inserts raw rows into a copy of ledger_events with all its indexes and checks, to
 * split the gap into what the schema costs and what the append path adds.
 *
 * Options: --writers N (BENCH_WRITERS, default 8), --seconds N per measured run (BENCH_SECONDS,
 * default 4), --rounds N (BENCH_ROUNDS, default 6), --batch N events per append in batch mode
 * (BENCH_BATCH, default 100). Many short rounds rather than a few long ones: on a shared or
 * throttled machine the noise then spreads over every contender instead of hitting one run.
 */
import { Client, Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { canonicalJson, sha256 } from '@pi-ledger/event-store/payload-digest';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import {
  BenchDatabase,
  environmentNote,
  formatCount,
  formatMs,
  formatRatio,
  intOption,
  log,
  markdownTable,
  openBenchDatabase,
  percentileOf,
  rotation,
  runBench,
  SampleEvent,
  sampleEvents,
  sum,
  timedRun,
  writeDocSection,
} from './bench-support';

const WARM_UP_SECONDS = 2;
const TARGET_RATIO = 0.7;
/** The baseline: the ledger's columns and a primary key, nothing else. */
const PLAIN_TABLE = 'bench_raw_events';
/** ledger_events' columns, indexes and checks, without the append function in front. */
const INDEXED_TABLE = 'bench_raw_indexed_events';

interface Settings {
  writers: number;
  seconds: number;
  rounds: number;
  batchSize: number;
}

/** One transaction: appends `events` to the writer's own stream. */
type Append = (events: readonly SampleEvent[]) => Promise<void>;

interface Contender {
  readonly name: string;
  /** The table its rows land in, to check afterwards that they did. */
  readonly table: string;
  /** A writer's append function; `stream` is distinct per writer and per run, so writers never contend. */
  writer(stream: string): Append;
}

interface Run {
  events: number;
  transactions: number;
  seconds: number;
  latenciesMs: number[];
}

interface ModeResult {
  mode: string;
  /** Per contender, in the order of the contenders list: the runs of all rounds combined. */
  totals: Run[];
  /** Per contender: its rate over the baseline's in each round. */
  roundRatios: number[][];
  /** Sequential scans of ledger_events during the mode, warm-up included. */
  ledgerSeqScans: number;
}

runBench(async (defer) => {
  const settings: Settings = {
    writers: intOption('writers', 'BENCH_WRITERS', 8),
    seconds: intOption('seconds', 'BENCH_SECONDS', 4),
    rounds: intOption('rounds', 'BENCH_ROUNDS', 6),
    batchSize: intOption('batch', 'BENCH_BATCH', 100),
  };
  const database = await openBenchDatabase(defer);
  const owner = await database.ownerClient();
  await createRawTables(owner);
  // one pool for all contenders, as big as the number of writers: the same connections for each
  const pool = await database.ledgerPool(settings.writers);
  const store = new PostgresEventStore(pool);
  defer(() => store.close());

  const events = sampleEvents(1_000);
  const digests = new Map(events.map((event) => [event, sha256(canonicalJson(event.data))]));
  const contenders = [rawInsert(pool, PLAIN_TABLE, 'raw INSERT', digests), rawInsert(pool, INDEXED_TABLE, 'raw INSERT, ledger indexes', digests), eventStore(store)];
  const results = [
    await compare('single event', 1, contenders, events, settings, owner, pool),
    await compare(`batch of ${settings.batchSize}`, settings.batchSize, contenders, events, settings, owner, pool),
  ];
  await assertEverythingLanded(owner, contenders, results);

  const report = renderReport(results, contenders, settings, events, database);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('append', report)}`);
});

/**
 * The raw writers' tables. LIKE copies columns, defaults, identity, checks and (with INCLUDING
 * INDEXES) indexes, never triggers; ledger_events has none on INSERT anyway. The pool acts as
 * pi_ledger_app, so it gets the same grants as ledger_events.
 */
async function createRawTables(owner: Client): Promise<void> {
  await owner.query(`CREATE TABLE ${PLAIN_TABLE} (LIKE ledger_events INCLUDING DEFAULTS INCLUDING IDENTITY)`);
  await owner.query(`ALTER TABLE ${PLAIN_TABLE} ADD PRIMARY KEY (position)`);
  await owner.query(`CREATE TABLE ${INDEXED_TABLE} (LIKE ledger_events INCLUDING ALL)`);
  await owner.query(`
    DO $$ BEGIN
      IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'pi_ledger_app') THEN
        GRANT SELECT, INSERT ON ${PLAIN_TABLE}, ${INDEXED_TABLE} TO pi_ledger_app;
      END IF;
    END $$`);
}

// ---------------------------------------------------------------------------------------------
// The contenders

/**
 * What an application writing rows itself would do: one INSERT (multi-row for a batch) per
 * transaction, a UUIDv7 per row, node-pg serialising data and metadata. The digest is precomputed:
 * computing canonical digests is the event store's own work, part of what the ratio measures.
 */
function rawInsert(pool: Pool, table: string, name: string, digests: ReadonlyMap<SampleEvent, Buffer>): Contender {
  const statements = new Map<number, string>();
  return {
    name,
    table,
    writer(stream) {
      let version = 0;
      return async (events) => {
        const params = events.flatMap((event) => [uuidv7(), stream, ++version, event.type, 1, event.data, event.metadata, digests.get(event)]);
        await pool.query(insertStatement(statements, table, events.length), params);
      };
    },
  };
}

function insertStatement(cache: Map<number, string>, table: string, rows: number): string {
  let sql = cache.get(rows);
  if (!sql) {
    const placeholders = (row: number) => Array.from({ length: 8 }, (_, column) => `$${row * 8 + column + 1}`).join(', ');
    const tuples = Array.from({ length: rows }, (_, row) => `(${placeholders(row)})`);
    sql = `INSERT INTO ${table} (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
           VALUES ${tuples.join(', ')}`;
    cache.set(rows, sql);
  }
  return sql;
}

/** The subject: appends as the service does, with the expected version an aggregate would pass. */
function eventStore(store: PostgresEventStore): Contender {
  return {
    name: 'appendToStream',
    table: 'ledger_events',
    writer(stream) {
      let version = 0;
      return async (events) => {
        version = (await store.appendToStream(stream, events, { expectedVersion: version })).nextExpectedVersion;
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring

/**
 * Warms every contender up, then runs them round by round, rotating which goes first, so drift
 * (table growth, checkpoints, autovacuum) falls on all alike. The first contender is the baseline.
 *
 * No ANALYZE first, on purpose: the tables start empty, and the append's plans must not depend on
 * statistics. Before migration 1763900008000-append-plan they did: planned on a young table, each
 * connection kept a sequential scan of ledger_events per append until autovacuum's first ANALYZE
 * (docs/notes/2026-11-23-append-path.md). The sequential scans counted from the warm-up on keep that visible.
 */
async function compare(
  mode: string,
  eventsPerAppend: number,
  contenders: readonly Contender[],
  events: readonly SampleEvent[],
  settings: Settings,
  owner: Client,
  pool: Pool,
): Promise<ModeResult> {
  const batches = batchesOf(events, eventsPerAppend);
  const label = mode.replace(/ /g, '-');
  const seqScansBefore = await ledgerSeqScans(owner, pool, settings.writers);
  for (const contender of contenders) {
    await timedAppends(contender, `${label}-warm-up`, batches, WARM_UP_SECONDS, settings.writers, `${mode}: warm-up, ${contender.name}`);
  }

  const runs: Run[][] = contenders.map(() => []);
  for (let round = 0; round < settings.rounds; round++) {
    for (const index of rotation(round, contenders.length)) {
      const title = `${mode}: round ${round + 1}/${settings.rounds}, ${contenders[index].name}`;
      runs[index].push(await timedAppends(contenders[index], `${label}-${round + 1}`, batches, settings.seconds, settings.writers, title));
    }
  }
  return {
    mode,
    totals: runs.map(combine),
    roundRatios: runs.map((own) => own.map((run, round) => rate(run) / rate(runs[0][round]))),
    ledgerSeqScans: (await ledgerSeqScans(owner, pool, settings.writers)) - seqScansBefore,
  };
}

/**
 * Sequential scans of ledger_events so far. Backends publish their statistics at most once a
 * second, so first every pooled connection is asked to publish at once: otherwise the last scans
 * would be missed, or counted in the next mode.
 */
async function ledgerSeqScans(owner: Client, pool: Pool, connections: number): Promise<number> {
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  try {
    // the flush happens as each backend goes idle, before its reply: done when the queries are
    await Promise.all(clients.map((client) => client.query('SELECT pg_stat_force_next_flush()')));
  } finally {
    for (const client of clients) client.release();
  }
  const { rows } = await owner.query(`SELECT seq_scan::int AS scans FROM pg_stat_user_tables WHERE relname = 'ledger_events'`);
  return rows[0]?.scans ?? 0;
}

/** Every writer appends back to back until the time is up; the run ends when the last one does. */
async function timedAppends(contender: Contender, label: string, batches: readonly SampleEvent[][], seconds: number, writers: number, title: string): Promise<Run> {
  const run: Run = { events: 0, transactions: 0, seconds: 0, latenciesMs: [] };
  const timed = await timedRun(title, seconds, (deadline) =>
    Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        const append = contender.writer(`bench-${label}-${contender.table}-w${writer}`);
        // writers start at different batches so they do not send identical payloads in lockstep
        for (let next = writer; performance.now() < deadline; next++) {
          const batch = batches[next % batches.length];
          const sent = performance.now();
          await append(batch);
          run.latenciesMs.push(performance.now() - sent);
          run.events += batch.length;
          run.transactions++;
        }
      }),
    ),
  );
  run.seconds = timed.seconds;
  return run;
}

function batchesOf(events: readonly SampleEvent[], size: number): SampleEvent[][] {
  const count = Math.max(1, Math.floor(events.length / size));
  return Array.from({ length: count }, (_, index) => Array.from({ length: size }, (_, offset) => events[(index * size + offset) % events.length]));
}

function combine(runs: readonly Run[]): Run {
  return {
    events: sum(runs.map((run) => run.events)),
    transactions: sum(runs.map((run) => run.transactions)),
    seconds: sum(runs.map((run) => run.seconds)),
    latenciesMs: runs.flatMap((run) => run.latenciesMs),
  };
}

const rate = (run: Run): number => run.events / run.seconds;

/** Guards the figures: every append counted must be in its table (which also holds the warm-ups). */
async function assertEverythingLanded(owner: Client, contenders: readonly Contender[], results: readonly ModeResult[]): Promise<void> {
  for (const [index, contender] of contenders.entries()) {
    const { rows } = await owner.query(`SELECT count(*)::int AS stored FROM ${contender.table}`);
    const measured = sum(results.map((result) => result.totals[index].events));
    if (rows[0].stored < measured) {
      throw new Error(`${contender.name}: ${measured} events measured but only ${rows[0].stored} rows in ${contender.table}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting

function renderReport(results: readonly ModeResult[], contenders: readonly Contender[], settings: Settings, events: readonly SampleEvent[], database: BenchDatabase): string {
  const averageBytes = (part: 'data' | 'metadata') => Math.round(sum(events.map((event) => JSON.stringify(event[part]).length)) / events.length);
  const table = markdownTable(
    ['mode', 'writer', 'events', 'events/s', 'appends/s', 'p50 append', 'p99 append', 'vs raw INSERT', 'by round'],
    results.flatMap((result) => contenders.map((contender, index) => row(result, contender, index))),
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  const subject = contenders.length - 1;
  const verdicts = results.map((result) => {
    const ratio = rate(result.totals[subject]) / rate(result.totals[0]);
    return (
      `- ${result.mode}: appendToStream reaches ${formatRatio(ratio)} of the raw INSERT rate ` +
      `(target ≥ ${formatRatio(TARGET_RATIO)}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}); ` +
      `sequential scans of ledger_events during the mode, warm-up included: ${result.ledgerSeqScans} (must be 0).`
    );
  });
  return [
    '## Append throughput',
    '',
    environmentNote(database),
    '',
    `${settings.writers} concurrent writers share a pool of ${settings.writers} connections; each appends to its own stream, ` +
      `one transaction per append (autocommit). The tables start empty and are not ANALYZEd: the append's plans must not ` +
      `depend on statistics. Per mode, each writer kind warms up for ${WARM_UP_SECONDS} s, then ${settings.rounds} rounds ` +
      `of ${settings.seconds} s per writer kind follow, rotating which goes first. Events carry ` +
      `≈${averageBytes('data')} bytes of JSON data (base64 ciphertext envelopes) and ≈${averageBytes('metadata')} bytes ` +
      `of metadata.`,
    '',
    `- **raw INSERT** (the baseline): one \`INSERT\` of the same columns per transaction (a batch's rows in one ` +
      `multi-row statement) into \`${PLAIN_TABLE}\`, which has ledger_events' columns and defaults and a primary key, ` +
      `nothing else; a UUIDv7 per row, a precomputed digest.`,
    `- **raw INSERT, ledger indexes**: the same into \`${INDEXED_TABLE}\`, a copy of ledger_events with its ` +
      `unique constraints, global-order index and checks: what the schema itself costs.`,
    '- **appendToStream**: `PostgresEventStore.appendToStream` with the expected version: its one prepared statement ' +
      '(the stream head, the version check and the insert) plus validation, RFC 8785 serialisation and digest of the data, ' +
      'and the post-commit NOTIFY.',
    '',
    table,
    '',
    ...verdicts,
  ].join('\n');
}

function row(result: ModeResult, contender: Contender, index: number): string[] {
  const run = result.totals[index];
  return [
    result.mode,
    contender.name,
    formatCount(run.events),
    formatCount(rate(run)),
    formatCount(run.transactions / run.seconds),
    formatMs(percentileOf(run.latenciesMs, 0.5)),
    formatMs(percentileOf(run.latenciesMs, 0.99)),
    formatRatio(rate(run) / rate(result.totals[0])),
    index === 0 ? '' : result.roundRatios[index].map((ratio) => ratio.toFixed(2)).join(', '),
  ];
}
