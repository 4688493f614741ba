/**
 * `npm run bench:audit`: the audit trail (libs/audit, docs/audit.md), four measurements, each
 * against a baseline in the same run:
 *
 * (a) hashing: building leaves and the Merkle frontier in memory (commitmentOf, leafHash,
 *     MerkleFrontier.append with the completed nodes collected, i.e. AuditTreeWriter's CPU work)
 *     against one bare SHA-256 per event over the very bytes its leaf hashes;
 * (b) `ledger audit verify` (AuditVerifier.verify) over the whole log, at a tenth of the events and
 *     at all of them: time and peak RSS, against reading the same log with readGlobalBatch alone;
 * (c) AuditLog.inclusionProof latency for random events at the full size, against the one indexed
 *     SELECT of the leaf row it starts with;
 * (d) single-event appends by concurrent writers (the append benchmark's mode) while a
 *     ProjectionRunner grows the tree (only the AuditTrailProjection), against the same appends
 *     without it.
 *
 * The log of (b)-(d) is generated inside PostgreSQL from sample events (the read benchmark's way),
 * and the tree is built by a ProjectionRunner running the AuditTrailProjection, as in the service
 * (a signed tree head every 1,000 leaves).
 *
 * Options: --events N (BENCH_EVENTS, default 1,000,000), --samples N inclusion proofs (BENCH_SAMPLES,
 * default 1,000), --writers N (BENCH_WRITERS, default 8), --seconds N per append run (BENCH_SECONDS,
 * default 4), --rounds N append rounds per mode (BENCH_ROUNDS, default 4, ABBA: many short rounds spread a
 * shared machine's noise over both modes), --hash-events N
 * events hashed in memory (BENCH_HASH_EVENTS, default 100,000), --only hashing (BENCH_ONLY=hashing):
 * (a) alone, over a log of just the --hash-events events, printed but not written to
 * docs/benchmarks.md (the section there holds all four parts).
 * Run with --expose-gc (the npm script does) so each verification starts from a collected heap.
 */
import { hash } from 'node:crypto';
import { cpus } from 'node:os';
import pino from 'pino';
import { Client, Pool } from 'pg';
import { AuditLog } from '@pi-ledger/audit/audit-log';
import { AuditTrailProjection } from '@pi-ledger/audit/audit-trail.projection';
import { AuditTreeWriter } from '@pi-ledger/audit/audit-tree-writer';
import { AuditVerifier } from '@pi-ledger/audit/audit-verifier';
import { commitmentOf, leafHash } from '@pi-ledger/audit/commitment';
import { digestOf, verifyInclusion } from '@pi-ledger/audit/merkle';
import { MerkleFrontier } from '@pi-ledger/audit/merkle-frontier';
import { TreeHeadSigner } from '@pi-ledger/audit/tree-head-signer';
import { BEGINNING, GlobalCheckpoint, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { ProjectionRunner } from '@pi-ledger/read-models/runner/projection-runner';
import {
  ActivityProfile,
  BenchDatabase,
  createEventTemplates,
  describeActivity,
  environmentNote,
  formatCount,
  formatMiB,
  formatMs,
  formatRatio,
  formatSeconds,
  generateEvents,
  intOption,
  loadAverage,
  loadNote,
  log,
  markdownTable,
  measuredPass,
  mergeActivity,
  openBenchDatabase,
  Pass,
  percentileOf,
  PgActivitySampler,
  processCpuSeconds,
  progress,
  roundRatios,
  runBench,
  SampleEvent,
  sampleEvents,
  serverCpuSeconds,
  statementCounter,
  timedRun,
  writeDocSection,
} from './bench-support';

const HASH_TARGET = 0.5;
const APPEND_TARGET = 0.9;
const TEMPLATE_TABLE = 'bench_audit_templates';
const TEMPLATES = 1_000;
/**
 * Events per generating transaction. Small, like the ledger's own transactions: with 25,000 events
 * per transaction the log has so few distinct transaction ids that the planner misjudges
 * AuditTreeWriter's range count over (transaction_id, position) and scans the whole table for it.
 */
const GENERATE_CHUNK = 1_000;
const STREAMS = 10_000;
/** Events per batch while the tree is built before (b): the rebuild's default, a head every 1,000 leaves as in service. */
const BUILD_BATCH = 1_000;
/** The verifier's (and the CLI's) default. */
const VERIFY_BATCH = 1_000;
const APPEND_WARM_UP_SECONDS = 2;
/** Connections beyond the writers' in the shared pool: NOTIFY, LISTEN, the runner's transaction and its loop's reads. */
const EXTRA_CONNECTIONS = 4;
const HASH_SLICE_MS = 1_000;
const HASH_ROUNDS = 4;
const PROOF_WARM_UP = 100;

interface Settings {
  events: number;
  samples: number;
  writers: number;
  seconds: number;
  rounds: number;
  hashEvents: number;
  only?: 'hashing';
}

/** `--only hashing` or BENCH_ONLY=hashing; nothing else is accepted, so a typo cannot run the hour-long whole. */
function onlyOption(): 'hashing' | undefined {
  const args = process.argv.slice(2);
  const index = args.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
  const raw = index === -1 ? process.env.BENCH_ONLY : args[index].includes('=') ? args[index].split('=')[1] : args[index + 1];
  if (raw === undefined || raw === '') return undefined;
  if (raw !== 'hashing') throw new Error(`--only / BENCH_ONLY must be 'hashing', got '${raw}'`);
  return raw;
}

interface Audit {
  /** The owner URL of the scratch database. */
  readonly url: string;
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  readonly signer: TreeHeadSigner;
  readonly log: AuditLog;
  readonly writer: AuditTreeWriter;
}

runBench(async (defer) => {
  const settings: Settings = {
    events: intOption('events', 'BENCH_EVENTS', 1_000_000),
    samples: intOption('samples', 'BENCH_SAMPLES', 1_000),
    writers: intOption('writers', 'BENCH_WRITERS', 8),
    seconds: intOption('seconds', 'BENCH_SECONDS', 4),
    rounds: intOption('rounds', 'BENCH_ROUNDS', 4),
    hashEvents: intOption('hash-events', 'BENCH_HASH_EVENTS', 100_000),
    only: onlyOption(),
  };
  const database = await openBenchDatabase(defer);
  const owner = await database.ownerClient();
  statementCounter.excluded.add(owner);
  statementCounter.install();
  // the service's pool, big enough that no writer ever waits for a connection: the writers, the
  // throttled NOTIFY, and the runner's LISTEN, batch transaction and loop queries
  const pool = await database.ledgerPool(settings.writers + EXTRA_CONNECTIONS);
  const store = new PostgresEventStore(pool);
  defer(() => store.close());
  const signer = TreeHeadSigner.generate();
  const audit: Audit = { url: database.url, pool, store, signer, log: new AuditLog(pool, signer), writer: new AuditTreeWriter() };

  await createEventTemplates(owner, TEMPLATE_TABLE, TEMPLATES);
  if (settings.only === 'hashing') {
    await generateEvents(owner, {
      templates: { table: TEMPLATE_TABLE, count: TEMPLATES },
      from: 0,
      to: settings.hashEvents,
      streams: STREAMS,
      streamPrefix: 'subject-',
      chunk: GENERATE_CHUNK,
      after: 'VACUUM (ANALYZE)',
    });
    const hashing = await measureHashing(audit, settings.hashEvents);
    process.stdout.write(`${renderHashingOnly(hashing, database)}\n`);
    return;
  }
  const sizes = [...new Set([Math.max(VERIFY_BATCH, Math.round(settings.events / 10)), settings.events])];
  const verifications: VerifySize[] = [];
  const builds: Build[] = [];
  let stored = 0;
  for (const [index, size] of sizes.entries()) {
    stored = await generateEvents(owner, {
      templates: { table: TEMPLATE_TABLE, count: TEMPLATES },
      from: stored,
      to: size,
      streams: STREAMS,
      streamPrefix: 'subject-',
      chunk: GENERATE_CHUNK,
      after: 'VACUUM (ANALYZE)',
    });
    builds.push(await buildTree(audit, owner, size));
    verifications.push(await measureVerify(audit, size, index % 2 === 0));
  }
  const proofs = await measureProofs(audit, owner, settings.samples);
  const appends = await measureAppends(audit, owner, settings);
  const hashing = await measureHashing(audit, settings.hashEvents);

  const report = renderReport({ hashing, verifications, builds, proofs, appends }, settings, database);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('audit', report)}`);
});

const quietLogger = () => pino({ level: 'warn', base: { component: 'bench-audit' } }, process.stderr);

// ---------------------------------------------------------------------------------------------
// The log and its tree

interface Build {
  size: number;
  seconds: number;
}

/** A ProjectionRunner with only the AuditTrailProjection, until its checkpoint reaches the head; not part of any figure but its own. */
async function buildTree(audit: Audit, owner: Client, size: number): Promise<Build> {
  const before = await treeSize(owner);
  const bar = progress(`building the audit tree to ${formatCount(size)} leaves`, size - before, 'leaves');
  const started = performance.now();
  const runner = auditRunner(audit, BUILD_BATCH);
  await runner.start();
  try {
    await waitForTree(owner, size, (leaves) => bar.update(leaves - before), 600_000);
  } finally {
    await runner.stop();
    bar.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  // as autovacuum would after such growth, now rather than during a measurement
  await owner.query('VACUUM (ANALYZE) ledger_events, audit_leaves, audit_nodes, audit_tree_heads, projection_checkpoints');
  log(`audit tree built to ${formatCount(size)} leaves at ${formatCount((size - before) / seconds)} leaves/s`);
  return { size: size - before, seconds };
}

function auditRunner(audit: Audit, batchSize?: number, onBatch?: (events: number) => void): ProjectionRunner {
  return new ProjectionRunner(audit.pool, audit.store, [new AuditTrailProjection(audit.writer, audit.log)], {
    logger: quietLogger(),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(onBatch ? { onBatch: (_projection: string, events: number) => onBatch(events) } : {}),
  });
}

async function treeSize(owner: Client): Promise<number> {
  const { rows } = await owner.query<{ size: string }>('SELECT coalesce(max(leaf_index) + 1, 0)::text AS size FROM audit_leaves');
  return Number(rows[0].size);
}

async function eventCount(owner: Client): Promise<number> {
  const { rows } = await owner.query<{ n: string }>('SELECT count(*)::text AS n FROM ledger_events');
  return Number(rows[0].n);
}

async function waitForTree(owner: Client, size: number, onProgress: (leaves: number) => void, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await owner.query<{ status: string; last_error: string | null }>(`SELECT status, last_error FROM projection_checkpoints WHERE name = 'audit_trail'`);
    if (rows[0]?.status === 'failed') throw new Error(`the audit trail projection failed: ${rows[0].last_error}`);
    const leaves = await treeSize(owner);
    onProgress(leaves);
    if (leaves >= size) return;
    if (Date.now() > deadline) throw new Error(`the audit tree has ${leaves} of ${size} leaves after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// (b) audit verify

interface VerifySize {
  size: number;
  read: Pass;
  verify: Pass;
  treeHeads: number;
}

/** Both passes over the whole log, alternating which goes first by size. */
async function measureVerify(audit: Audit, size: number, readFirst: boolean): Promise<VerifySize> {
  const passes: { read?: Pass; verify?: Pass } = {};
  let treeHeads = 0;
  for (const which of readFirst ? (['read', 'verify'] as const) : (['verify', 'read'] as const)) {
    if (which === 'read') {
      passes.read = await timedPass(`${formatCount(size)} events: readGlobalBatch alone`, size, async (onProgress) => {
        let from: GlobalCheckpoint = BEGINNING;
        let count = 0;
        for (;;) {
          const { events } = await audit.store.readGlobalBatch(from, VERIFY_BATCH);
          if (events.length === 0) return count;
          count += events.length;
          from = events[events.length - 1].checkpoint;
          onProgress(count);
        }
      });
    } else {
      passes.verify = await timedPass(`${formatCount(size)} events: audit verify`, size, async (onProgress) => {
        const result = await new AuditVerifier(audit.pool, audit.signer.verificationKey).verify({ batchSize: VERIFY_BATCH, onProgress: (checked) => onProgress(checked) });
        if (!result.ok || result.leaves !== size) throw new Error(`audit verify: ${JSON.stringify(result)}`);
        treeHeads = result.treeHeads;
        return result.events;
      });
    }
  }
  return { size, read: passes.read!, verify: passes.verify!, treeHeads };
}

async function timedPass(title: string, expected: number, pass: (onProgress: (events: number) => void) => Promise<number>): Promise<Pass> {
  const { events, seconds, peakRss } = await measuredPass(title, expected, pass);
  if (events !== expected) throw new Error(`${title}: ${events} events, expected ${expected}`);
  log(`${title}: ${formatSeconds(seconds)}, ${formatCount(events / seconds)} events/s, peak RSS ${formatMiB(peakRss)}`);
  return { events, seconds, peakRss };
}

// ---------------------------------------------------------------------------------------------
// (c) inclusion proofs

interface Proofs {
  samples: number;
  treeSize: number;
  proofMs: number[];
  entryMs: number[];
}

/**
 * Random events, one request at a time: `AuditLog.inclusionProof(eventId)` against the latest
 * signed head (what GET /v1/audit/events/{id}/proof serves), and the leaf's own SELECT
 * (`AuditLog.entry`) as the floor, alternating which goes first. Every proof is checked against the
 * signed root afterwards.
 */
async function measureProofs(audit: Audit, owner: Client, samples: number): Promise<Proofs> {
  const head = await audit.log.latestTreeHead();
  if (!head) throw new Error('no tree head was signed');
  const { rows } = await owner.query<{ event_id: string }>(`SELECT event_id FROM audit_leaves WHERE leaf_index < $1 ORDER BY random() LIMIT $2`, [
    head.treeSize,
    samples + PROOF_WARM_UP,
  ]);
  const ids = rows.map((row) => row.event_id);
  const proofMs: number[] = [];
  const entryMs: number[] = [];
  const proofs: Awaited<ReturnType<AuditLog['inclusionProof']>>[] = [];
  const bar = progress(`${formatCount(samples)} inclusion proofs at ${formatCount(head.treeSize)} leaves`, ids.length, 'proofs');
  try {
    for (const [index, id] of ids.entries()) {
      const timeProof = async () => {
        const started = performance.now();
        const proof = await audit.log.inclusionProof(id);
        if (index >= PROOF_WARM_UP) {
          proofMs.push(performance.now() - started);
          proofs.push(proof);
        }
      };
      const timeEntry = async () => {
        const started = performance.now();
        const entry = await audit.log.entry(id);
        if (!entry) throw new Error(`no leaf for event ${id}`);
        if (index >= PROOF_WARM_UP) entryMs.push(performance.now() - started);
      };
      if (index % 2 === 0) {
        await timeProof();
        await timeEntry();
      } else {
        await timeEntry();
        await timeProof();
      }
      bar.update(index + 1);
    }
  } finally {
    bar.stop();
  }
  const root = Buffer.from(head.rootHash, 'hex');
  for (const proof of proofs) {
    const ok =
      proof.treeSize === head.treeSize &&
      verifyInclusion(
        proof.leafIndex,
        proof.treeSize,
        Buffer.from(proof.leafHash, 'hex'),
        proof.auditPath.map((node) => Buffer.from(node, 'hex')),
        root,
      );
    if (!ok) throw new Error(`the inclusion proof of leaf ${proof.leafIndex} does not verify against the signed root`);
  }
  log(`inclusion proofs: p50 ${formatMs(percentileOf(proofMs, 0.5))}, p99 ${formatMs(percentileOf(proofMs, 0.99))}; all ${proofs.length} verify against the signed root`);
  return { samples: proofMs.length, treeSize: head.treeSize, proofMs, entryMs };
}

// ---------------------------------------------------------------------------------------------
// (d) appends with and without the audit projection

interface AppendRun {
  appends: number;
  seconds: number;
  latenciesMs: number[];
  /** Events not in the tree when the run ended (with the projection only). */
  lagAtEnd?: number;
  /** SQL statements this process sent during the run (writers, NOTIFYs, the runner), the benchmark's own connection excluded. */
  statements: number;
  /** The runner's committed batches during the run, and the events they held. */
  batches: number;
  batchedEvents: number;
  /** CPU seconds used during the run by this process (writers and runner) and by the PostgreSQL server, when known. */
  cpuProcess: number;
  cpuServer?: number;
  /** WAL written during the run, bytes. */
  walBytes: number;
  /** What the database's backends were running during the run. */
  activity?: ActivityProfile;
}

interface Appends {
  /** Per mode of APPEND_MODES: the runs of every round. */
  runs: AppendRun[][];
  treeLeaves: number;
  treeHeads: number;
}

const APPEND_MODES = ['appends alone', 'appends + audit projection'] as const;

/**
 * The append benchmark's single-event mode: `writers` concurrent writers, each appending one event
 * per transaction to a stream of its own with the expected version. With the projection, a
 * ProjectionRunner (default options: batches of up to 500, woken by the appends through the shared
 * event store) runs only the AuditTrailProjection in this process, on the same pool, as the API's
 * in-process projector does; it is started and let catch up before each such run, and stopped after.
 * Rounds in ABBA order.
 */
async function measureAppends(audit: Audit, owner: Client, settings: Settings): Promise<Appends> {
  const events = sampleEvents(TEMPLATES);
  const runs: AppendRun[][] = APPEND_MODES.map(() => []);
  let sequence = 0;
  const once = async (mode: number, seconds: number, title: string): Promise<AppendRun> => {
    let runner: ProjectionRunner | undefined;
    const batches = { measuring: false, count: 0, events: 0 };
    if (mode === 1) {
      runner = auditRunner(audit, undefined, (count) => {
        if (!batches.measuring) return;
        batches.count++;
        batches.events += count;
      });
      await runner.start();
      await waitForTree(owner, await eventCount(owner), () => undefined, 300_000);
    }
    try {
      const statements = statementCounter.count;
      const [processBefore, serverBefore, walBefore] = [processCpuSeconds(), await serverCpuSeconds(owner), await walPosition(owner)];
      const sampler = await PgActivitySampler.start(audit.url, appendStatementKind);
      batches.measuring = true;
      const run = await appendRun(audit.store, events, settings.writers, seconds, `r${sequence++}`, title);
      batches.measuring = false;
      run.activity = await sampler.stop();
      run.walBytes = await walBytesSince(owner, walBefore);
      const serverAfter = await serverCpuSeconds(owner);
      run.cpuProcess = processCpuSeconds() - processBefore;
      if (serverBefore !== undefined && serverAfter !== undefined) run.cpuServer = serverAfter - serverBefore;
      run.statements = statementCounter.count - statements;
      run.batches = batches.count;
      run.batchedEvents = batches.events;
      if (runner) {
        run.lagAtEnd = (await eventCount(owner)) - (await treeSize(owner));
        log(`${title}: the runner committed ${formatCount(batches.count)} batches of ${(batches.events / Math.max(1, batches.count)).toFixed(1)} events on average`);
      }
      return run;
    } finally {
      await runner?.stop();
    }
  };
  for (const [mode, name] of APPEND_MODES.entries()) await once(mode, APPEND_WARM_UP_SECONDS, `appends: warm-up, ${name}`);
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const mode of order) runs[mode].push(await once(mode, settings.seconds, `appends: round ${round + 1}/${settings.rounds}, ${APPEND_MODES[mode]}`));
  }
  // the tree must take every event in the end: catch up, then verify the whole trail once more
  const runner = auditRunner(audit);
  await runner.start();
  const total = await eventCount(owner);
  try {
    await waitForTree(owner, total, () => undefined, 300_000);
  } finally {
    await runner.stop();
  }
  await audit.log.createTreeHead();
  const bar = progress(`verifying the audit trail over all ${formatCount(total)} events`, total, 'events');
  const result = await new AuditVerifier(audit.pool, audit.signer.verificationKey).verify({ onProgress: (checked) => bar.update(checked) });
  bar.stop();
  if (!result.ok || result.leaves !== total) throw new Error(`audit verify after the appends: ${JSON.stringify(result)}`);
  return { runs, treeLeaves: result.leaves, treeHeads: result.treeHeads };
}

async function walPosition(owner: Client): Promise<string> {
  return (await owner.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0].lsn;
}

async function walBytesSince(owner: Client, from: string): Promise<number> {
  const { rows } = await owner.query<{ bytes: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::text AS bytes`, [from]);
  return Number(rows[0].bytes);
}

/** Names the statements of appends and of the audit runner for the activity profile, with what each waits on. */
function appendStatementKind(query: string, waitEvent: string | null): string {
  const text = query.replace(/\s+/g, ' ').trim();
  const kind = /INSERT INTO ledger_events \(event_id/.test(text)
    ? 'append'
    : /pg_notify/.test(text)
      ? 'NOTIFY'
      : /pg_snapshot_xmin\(pg_current_snapshot\(\)\) AS xmin/.test(text)
        ? 'runner: readGlobalBatch'
        : /projection_checkpoints|projection_leases/.test(text)
          ? 'runner: checkpoint and lease'
          : /audit_leaves|audit_nodes|audit_tree_heads|pg_advisory_xact_lock|FROM ledger_events WHERE \(transaction_id, position\)/.test(text)
            ? 'runner: tree writer'
            : /^(COMMIT|BEGIN)/.test(text)
              ? text.slice(0, 6)
              : text.slice(0, 40);
  return waitEvent ? `${kind} (${waitEvent})` : kind;
}

async function appendRun(store: PostgresEventStore, events: readonly SampleEvent[], writers: number, seconds: number, label: string, title: string): Promise<AppendRun> {
  const run: AppendRun = { appends: 0, seconds: 0, latenciesMs: [], statements: 0, batches: 0, batchedEvents: 0, cpuProcess: 0, walBytes: 0 };
  const timed = await timedRun(title, seconds, (deadline) =>
    Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        const stream = `bench-audit-${label}-w${writer}`;
        let version = 0;
        for (let next = writer; performance.now() < deadline; next++) {
          const sent = performance.now();
          version = (await store.appendToStream(stream, [events[next % events.length]], { expectedVersion: version })).nextExpectedVersion;
          run.latenciesMs.push(performance.now() - sent);
          run.appends++;
        }
      }),
    ),
  );
  run.seconds = timed.seconds;
  log(`${title}: ${formatCount(run.appends / run.seconds)} appends/s`);
  return run;
}

// ---------------------------------------------------------------------------------------------
// (a) hashing in memory

interface Hashing {
  events: number;
  averageCommitmentBytes: number;
  /** Per contender: events/s of each round. */
  rates: number[][];
  nodesPerLeaf: number;
  /** The 1-minute load average when the slices started: the CPUs are shared. */
  loadAtStart: number;
}

const HASH_CONTENDERS = [
  'SHA-256 of the leaf bytes (baseline)',
  'SHA-256 of the leaf bytes, as a Buffer from crypto.hash',
  'SHA-256 of the leaf bytes + frontier',
  'leafHash + frontier, from commitment strings',
  'commitmentOf + leafHash + frontier, from events',
] as const;
/** The contender whose ratio is the figure: all of AuditTreeWriter's CPU work. */
const WRITER_CONTENDER = 4;

/**
 * The first `count` events of the log as the store returns them. Per contender, slices of
 * HASH_SLICE_MS over the events again and again, HASH_ROUNDS rounds rotating the order:
 * - the baseline: `crypto.hash('sha256', bytes, 'binary')` of each event's leaf input (0x00 ‖ UTF-8
 *   of its commitment), prepared beforehand as Buffers: one bare SHA-256 over the same bytes, its
 *   digest in the cheapest form Node gives it (a 32-character string);
 * - the same with `crypto.hash`'s Buffer output (the baseline until the tree code stopped using it);
 * - `digestOf` (the tree's SHA-256) of the prepared bytes as the leaf, plus `MerkleFrontier.append`
 *   with the completed nodes collected as AuditTreeWriter collects them (for the INSERT);
 * - `leafHash(commitment)` of prepared commitment strings and the frontier as above;
 * - the whole of AuditTreeWriter's CPU work per event: `commitmentOf(event)` (canonical JSON of the
 *   metadata, the ISO timestamp) and the above, plus the leaf arrays it fills.
 */
async function measureHashing(audit: Audit, count: number): Promise<Hashing> {
  const events: RecordedEvent[] = [];
  for (let from: GlobalCheckpoint = BEGINNING; events.length < count;) {
    const batch = await audit.store.readGlobalBatch(from, Math.min(10_000, count - events.length));
    if (batch.events.length === 0) break;
    events.push(...batch.events);
    from = batch.events[batch.events.length - 1].checkpoint;
  }
  // Flat strings, as a string read from anywhere would be: commitmentOf's own result is a rope of its
  // pieces, which every leafHash would copy out again (the writer pays that once, in its contender).
  const commitments = events.map((event) => Buffer.from(commitmentOf(event), 'utf8').toString('utf8'));
  const leafBytes = commitments.map((commitment) => Buffer.from(`\u0000${commitment}`, 'utf8'));
  // the baselines must hash exactly what the leaf hash hashes
  const firstLeaf = leafHash(commitmentOf(events[0]));
  if (
    commitments[0] !== commitmentOf(events[0]) ||
    hash('sha256', leafBytes[0], 'binary') !== firstLeaf.toString('binary') ||
    !hash('sha256', leafBytes[0], 'buffer').equals(firstLeaf)
  ) {
    throw new Error('the baselines do not hash the leaf bytes');
  }

  let sink = 0;
  const frontiers = HASH_CONTENDERS.map(() => new MerkleFrontier());
  let nodes = 0;
  let leaves = 0;
  const bodies: ((index: number) => void)[] = [
    (i) => {
      sink ^= hash('sha256', leafBytes[i], 'binary').charCodeAt(0);
    },
    (i) => {
      sink ^= hash('sha256', leafBytes[i], 'buffer')[0];
    },
    (i) => {
      collect(frontiers[2], digestOf(leafBytes[i]));
    },
    (i) => {
      const leaf = leafHash(commitments[i]);
      collect(frontiers[3], leaf);
    },
    (i) => {
      const event = events[i];
      const leaf = leafHash(commitmentOf(event));
      leafIndexes.push(frontiers[WRITER_CONTENDER].size);
      leafPositions.push(event.position);
      leafIds.push(event.eventId);
      leafHashes.push(leaf);
      collect(frontiers[WRITER_CONTENDER], leaf);
    },
  ];
  // what AuditTreeWriter gathers for its INSERT; emptied every 256 events, as after each batch
  let leafIndexes: number[] = [];
  let leafPositions: number[] = [];
  let leafIds: string[] = [];
  let leafHashes: Buffer[] = [];
  let nodeLevels: number[] = [];
  let nodeIndexes: number[] = [];
  let nodeHashes: Buffer[] = [];
  const collect = (frontier: MerkleFrontier, leaf: Buffer) => {
    leaves++;
    frontier.append(leaf, (level, index, nodeHash) => {
      nodes++;
      nodeLevels.push(level);
      nodeIndexes.push(index);
      nodeHashes.push(nodeHash);
    });
  };
  const slice = (contender: number): number => {
    const body = bodies[contender];
    const started = performance.now();
    const deadline = started + HASH_SLICE_MS;
    let done = 0;
    let i = 0;
    while (performance.now() < deadline) {
      const start = i;
      for (const end = Math.min(events.length, i + 256); i < end; i++) body(i);
      done += i - start;
      if (i >= events.length) i = 0;
      leafIndexes = [];
      leafPositions = [];
      leafIds = [];
      leafHashes = [];
      nodeLevels = [];
      nodeIndexes = [];
      nodeHashes = [];
    }
    return done / ((performance.now() - started) / 1000);
  };

  const rates: number[][] = HASH_CONTENDERS.map(() => []);
  const loadAtStart = loadAverage();
  const bar = progress(`hashing ${formatCount(events.length)} events in memory`, HASH_ROUNDS * HASH_CONTENDERS.length, 'slices');
  try {
    for (const contender of HASH_CONTENDERS.keys()) slice(contender); // warm-up
    for (let round = 0; round < HASH_ROUNDS; round++) {
      for (let turn = 0; turn < HASH_CONTENDERS.length; turn++) {
        const contender = (round + turn) % HASH_CONTENDERS.length;
        rates[contender].push(slice(contender));
        bar.update(round * HASH_CONTENDERS.length + turn + 1);
      }
    }
  } finally {
    bar.stop();
  }
  if (sink === -1) log('unreachable'); // keeps the baseline's hashes from being optimised away
  const averageCommitmentBytes = leafBytes.reduce((total, bytes) => total + bytes.length, 0) / leafBytes.length;
  return { events: events.length, averageCommitmentBytes, rates, nodesPerLeaf: nodes / leaves, loadAtStart };
}

// ---------------------------------------------------------------------------------------------
// Reporting

interface Results {
  hashing: Hashing;
  verifications: VerifySize[];
  builds: Build[];
  proofs: Proofs;
  appends: Appends;
}

/**
 * Streamed when the peak stays flat as the log grows tenfold (within a quarter plus 32 MiB of GC
 * noise), or, failing that, when at every size it stays as near the baseline, which holds one batch
 * at a time by construction (then both grew alike: heap V8 chose to keep, not data held).
 */
function memoryVerdict(peaks: readonly { own: number; baseline: number }[], what: string, baseline: string): string {
  const near = (value: number, reference: number) => value <= 1.25 * reference + 32 * 2 ** 20;
  if (peaks.length > 1 && near(peaks[peaks.length - 1].own, peaks[0].own)) return `flat as the log grows tenfold, so ${what} is streamed`;
  if (peaks.every((peak) => near(peak.own, peak.baseline))) return `no more than ${baseline} at each size (both grew alike), so ${what} is streamed`;
  return `it GROWS with the log beyond ${baseline}: ${what} holds data`;
}

const mean = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0) / Math.max(1, values.length);
const passRate = (pass: Pass): number => pass.events / pass.seconds;
const verdict = (ratio: number, target: number): string => `target ≥ ${formatRatio(target)}: ${ratio >= target ? 'met' : 'NOT met'}`;

function renderReport(results: Results, settings: Settings, database: BenchDatabase): string {
  return [
    '## Audit trail',
    '',
    environmentNote(database),
    '',
    '```sh',
    'npm run bench:audit   # options: --events N (BENCH_EVENTS), --samples N, --writers N, --seconds N, --rounds N, --hash-events N, --only hashing',
    '```',
    '',
    `The log for (b) to (d) is generated inside PostgreSQL from ${TEMPLATES} sample events (the append benchmark's shape, ` +
      `with canonical payload digests) over ${formatCount(STREAMS)} streams, ${formatCount(GENERATE_CHUNK)} events per transaction, in two steps (a tenth, then all), and the tree is grown ` +
      `after each step by a \`ProjectionRunner\` running only the \`AuditTrailProjection\` in batches of ${formatCount(BUILD_BATCH)}, ` +
      `a signed tree head every 1,000 leaves as in service (${results.builds.map((build) => `${formatCount(build.size)} leaves at ${formatCount(build.size / build.seconds)}/s`).join(', then ')}; not otherwise measured).`,
    ...buildNote(results.builds),
    '',
    ...renderHashing(results.hashing),
    '',
    ...renderVerify(results.verifications),
    '',
    ...renderProofs(results.proofs),
    '',
    ...renderAppends(results.appends, settings),
  ].join('\n');
}

/** Part (a) alone (`--only hashing`): for stdout only, docs/benchmarks.md keeps the full run's section. */
function renderHashingOnly(hashing: Hashing, database: BenchDatabase): string {
  return [
    '## Audit trail, part (a) only',
    '',
    environmentNote(database),
    '',
    '```sh',
    `npm run bench:audit -- --only hashing --hash-events ${hashing.events}`,
    '```',
    '',
    ...renderHashing(hashing),
  ].join('\n');
}

/**
 * Growing the tree behind a whole log is slower per leaf than the first tenth. AuditTreeWriter checks
 * that a batch directly follows the tree by counting the log between two (transaction_id, position)
 * row comparisons; PostgreSQL estimates a row comparison from its first column alone and multiplies
 * the two, so with the tree's end in the middle of a large log it expects about a quarter of the
 * table. EXPLAIN ANALYZE of that count on a 1,000,000-event log (bench logs of 1,000-event
 * transactions, batch in the middle): 104,132 rows expected, 1,000 found; with the table freshly
 * vacuumed a parallel index-only scan, 7 ms, where a plain index scan takes 0.2 ms; with the
 * visibility map not yet set (before autovacuum has been through), a parallel seq scan, 742 ms.
 */
function buildNote(builds: readonly Build[]): string[] {
  if (builds.length < 2) return [];
  const [first, last] = [builds[0], builds[builds.length - 1]];
  const slower = first.size / first.seconds / (last.size / last.seconds);
  const observed =
    slower >= 1.3
      ? `Growing the tree behind the whole log ran ${slower.toFixed(1)}× slower per leaf than the first step. `
      : "A hazard on this path, not visible in this run's build rates: ";
  return [
    '',
    `${observed}AuditTreeWriter checks that a batch follows the tree by counting the log between two ` +
      '`(transaction_id, position)` row comparisons; PostgreSQL ' +
      "estimates each row comparison from its first column alone and multiplies the two, so while the tree's end lies in the middle " +
      'of a large log it expects about a quarter of the table. On a 1,000,000-event log EXPLAIN ANALYZE of that count (1,000 rows) ' +
      'showed 104,132 rows expected and a parallel index-only scan taking 7 ms once the table is vacuumed, or a parallel seq scan ' +
      'taking 742 ms while its visibility map is not yet set, where a plain index scan takes 0.2 ms: catching up a tree that lags far ' +
      'behind the head (a projector down for a while) can turn quadratic. Adding plain bounds `transaction_id BETWEEN $1 AND $3` to ' +
      'that count lets the planner see the range (243 rows expected, 0.2 ms).',
  ];
}

function renderHashing(hashing: Hashing): string[] {
  const rates = hashing.rates.map(mean);
  const micros = rates.map((rate) => 1e6 / rate);
  const table = markdownTable(
    ['work per event', 'events/s', 'µs / event', 'vs SHA-256', 'by round'],
    HASH_CONTENDERS.map((name, index) => [
      name,
      formatCount(rates[index]),
      micros[index].toFixed(2),
      formatRatio(rates[index] / rates[0]),
      index === 0 ? '' : roundRatios(hashing.rates[index], hashing.rates[0]),
    ]),
    ['left', 'right', 'right', 'right', 'left'],
  );
  const ratio = rates[WRITER_CONTENDER] / rates[0];
  return [
    '### (a) Leaf hashing and tree building, in memory',
    '',
    `${formatCount(hashing.events)} events of the log as the store returns them (RecordedEvent objects; commitments average ` +
      `${Math.round(hashing.averageCommitmentBytes)} bytes), one thread, ${HASH_ROUNDS} rounds of ${HASH_SLICE_MS / 1000} s slices per ` +
      `contender, the order rotating:`,
    '',
    "- **SHA-256 of the leaf bytes** (the baseline): `crypto.hash('sha256', bytes, 'binary')` over each event's leaf input " +
      '(0x00 ‖ UTF-8 of its commitment), prepared as Buffers beforehand: one bare hash per event over exactly the bytes its leaf hashes, ' +
      'the digest in the cheapest form Node gives it (a 32-character string).',
    "- **SHA-256 of the leaf bytes, as a Buffer from crypto.hash**: the same with `crypto.hash`'s `'buffer'` output, the baseline " +
      'of earlier runs. Node 20 builds that Buffer in C++ with a backing store of its own, which costs more than hashing the bytes; ' +
      "the tree's hashing (`digestOf`) copies the string digest into a pooled Buffer instead.",
    '- **SHA-256 of the leaf bytes + frontier**: `digestOf(bytes)` as the leaf, then `MerkleFrontier.append`, which hashes the ' +
      `${hashing.nodesPerLeaf.toFixed(2)} interior nodes each leaf completes on average (SHA-256 of 0x01 ‖ left ‖ right), the ` +
      'completed nodes collected into arrays as AuditTreeWriter does: what any RFC 6962 tree costs at least, two hash calls per leaf.',
    '- **leafHash + frontier, from commitment strings**: `leafHash(commitment)` (the 0x00 prefix, UTF-8 encoding of the string, ' +
      'SHA-256) of prepared flat strings instead of the prepared bytes, and the frontier as above.',
    "- **commitmentOf + leafHash + frontier, from events**: all of AuditTreeWriter's CPU work per event: `commitmentOf(event)` " +
      "(the commitment's canonical JSON: metadata of the usual shape written out and any other canonicalised, strings quoted, " +
      'the ISO time of the last second seen reused, fixed keys), the above, and the leaf arrays for the INSERT. Not included: ' +
      'the SQL (lock, size and presence check, frontier read, INSERT), measured in (d).',
    '',
    table,
    '',
    `- The whole per-event work of the tree reaches ${formatRatio(ratio)} of bare SHA-256 over the same bytes (${verdict(ratio, HASH_TARGET)}); ` +
      `${formatRatio(rates[WRITER_CONTENDER] / rates[1])} of \`crypto.hash\` with its Buffer output (the earlier baseline); ` +
      `from prepared commitment strings ${formatRatio(rates[3] / rates[0])}; the floor of two hash calls per leaf from prepared bytes ${formatRatio(rates[2] / rates[0])}.`,
    ...(ratio >= HASH_TARGET ? [] : [budgetNote(micros)]),
    `- ${loadNote(hashing.loadAtStart)} The contenders share one heap, whose young generation V8 resizes as allocation goes, so ` +
      "one contender's garbage changes the others' collection costs: the rates, those from prepared bytes most, vary between runs " +
      'more than the load explains.',
  ];
}

/** The time per event the target allows (twice the baseline's at 0.5×) against what each step of the tree takes. */
function budgetNote(micros: readonly number[]): string {
  return (
    `- The budget at ${formatRatio(HASH_TARGET)}: ${(micros[0] / HASH_TARGET).toFixed(2)} µs per event. The tree takes ${micros[2].toFixed(2)} µs ` +
    `per event from prepared bytes (two hash calls per leaf and the frontier's bookkeeping), ${micros[3].toFixed(2)} µs from prepared ` +
    `commitment strings, ${micros[WRITER_CONTENDER].toFixed(2)} µs from events (building each commitment too).`
  );
}

function renderVerify(sizes: readonly VerifySize[]): string[] {
  const table = markdownTable(
    ['log size', 'pass', 'time', 'events/s', 'vs read alone', 'peak RSS'],
    sizes.flatMap((size) => [
      [
        formatCount(size.size),
        'readGlobalBatch alone (baseline)',
        formatSeconds(size.read.seconds),
        formatCount(passRate(size.read)),
        formatRatio(1),
        formatMiB(size.read.peakRss),
      ],
      [
        formatCount(size.size),
        `audit verify (${formatCount(size.treeHeads)} signed heads)`,
        formatSeconds(size.verify.seconds),
        formatCount(passRate(size.verify)),
        formatRatio(passRate(size.verify) / passRate(size.read)),
        formatMiB(size.verify.peakRss),
      ],
    ]),
    ['right', 'left', 'right', 'right', 'right', 'right'],
  );
  const last = sizes[sizes.length - 1];
  return [
    '### (b) `ledger audit verify`',
    '',
    '`AuditVerifier.verify` (what `ledger audit verify` runs), batches of ' +
      `${formatCount(VERIFY_BATCH)}: every event's payload digest recomputed (canonical JSON of its data, SHA-256), every leaf and every ` +
      "stored interior node recomputed and compared, every signed head's signature checked and its root compared, and consecutive " +
      'heads proven consistent from stored nodes. The baseline reads the same log with `readGlobalBatch` in the same batches and ' +
      'does nothing else. Peak RSS is sampled every 5 ms and after every batch, each pass starting after a forced GC; which pass ' +
      'runs first alternates by size.',
    '',
    table,
    '',
    `- ${formatCount(last.size)} events verified in ${formatSeconds(last.verify.seconds)} (${formatCount(passRate(last.verify))} events/s, ` +
      `${formatRatio(passRate(last.verify) / passRate(last.read))} of reading the log alone).`,
    `- Memory: verify's peak RSS is ${sizes.map((size) => `${formatMiB(size.verify.peakRss)} at ${formatCount(size.size)} events (read alone ${formatMiB(size.read.peakRss)})`).join(', ')}: ` +
      `${memoryVerdict(
        sizes.map((size) => ({ own: size.verify.peakRss, baseline: size.read.peakRss })),
        'verification',
        'the batch-by-batch read',
      )}.`,
  ];
}

function renderProofs(proofs: Proofs): string[] {
  const row = (name: string, values: readonly number[]) => [
    name,
    formatCount(values.length),
    formatMs(percentileOf(values, 0.5)),
    formatMs(percentileOf(values, 0.99)),
    formatMs(Math.max(...values)),
  ];
  const table = markdownTable(
    ['request', 'samples', 'p50', 'p99', 'max'],
    [row('`AuditLog.entry` (leaf SELECT, baseline)', proofs.entryMs), row('`AuditLog.inclusionProof`', proofs.proofMs)],
    ['left', 'right', 'right', 'right', 'right'],
  );
  return [
    `### (c) Inclusion proofs at ${formatCount(proofs.treeSize)} leaves`,
    '',
    `${formatCount(proofs.samples)} random events (after ${PROOF_WARM_UP} unmeasured), one request at a time: ` +
      "`AuditLog.inclusionProof(eventId)` against the latest signed head (what the API's proof endpoint serves: the head, the leaf, " +
      "the tree size, then the O(log n) nodes of the path in one query), and `AuditLog.entry(eventId)`, the leaf's indexed SELECT " +
      'it starts with, as the floor of any request; alternating which goes first. Every proof was verified against the signed root afterwards.',
    '',
    table,
    '',
    `- Inclusion proof p99: ${formatMs(percentileOf(proofs.proofMs, 0.99))} at ${formatCount(proofs.treeSize)} leaves ` +
      `(${(percentileOf(proofs.proofMs, 0.5) / percentileOf(proofs.entryMs, 0.5)).toFixed(1)}× the single SELECT at p50).`,
  ];
}

function renderAppends(appends: Appends, settings: Settings): string[] {
  const combined = appends.runs.map((runs) => ({
    appends: runs.reduce((total, run) => total + run.appends, 0),
    seconds: runs.reduce((total, run) => total + run.seconds, 0),
    latencies: runs.flatMap((run) => run.latenciesMs),
    statements: runs.reduce((total, run) => total + run.statements, 0),
    batches: runs.reduce((total, run) => total + run.batches, 0),
    batchedEvents: runs.reduce((total, run) => total + run.batchedEvents, 0),
    cpuProcess: runs.reduce((total, run) => total + run.cpuProcess, 0),
    cpuServer: runs.every((run) => run.cpuServer !== undefined) ? runs.reduce((total, run) => total + (run.cpuServer ?? 0), 0) : undefined,
    walBytes: runs.reduce((total, run) => total + run.walBytes, 0),
    activity: mergeActivity(runs.map((run) => run.activity)),
  }));
  const cpu = (mode: number) => {
    const { cpuProcess, cpuServer, appends: count, seconds } = combined[mode];
    const perAppend = (cpuSeconds: number) => `${Math.round((cpuSeconds * 1e6) / Math.max(1, count))} µs`;
    if (cpuServer === undefined) return [perAppend(cpuProcess), '', ''];
    return [perAppend(cpuProcess), perAppend(cpuServer), ((cpuProcess + cpuServer) / seconds).toFixed(2)];
  };
  const rate = (mode: number) => combined[mode].appends / combined[mode].seconds;
  const runRate = (run: AppendRun) => run.appends / run.seconds;
  const table = markdownTable(
    [
      'mode',
      'appends',
      'appends/s',
      'p50 append',
      'p99 append',
      'vs alone',
      'by round',
      'tree lag at end',
      'SQL / append',
      'WAL / append',
      'runner batches/s',
      'events / batch',
      'CPU / append: Node',
      'CPU / append: PostgreSQL',
      'cores busy',
    ],
    APPEND_MODES.map((name, mode) => [
      name,
      formatCount(combined[mode].appends),
      formatCount(rate(mode)),
      formatMs(percentileOf(combined[mode].latencies, 0.5)),
      formatMs(percentileOf(combined[mode].latencies, 0.99)),
      formatRatio(rate(mode) / rate(0)),
      mode === 0 ? '' : roundRatios(appends.runs[mode].map(runRate), appends.runs[0].map(runRate)),
      mode === 0 ? '' : appends.runs[mode].map((run) => formatCount(run.lagAtEnd ?? 0)).join(', '),
      (combined[mode].statements / Math.max(1, combined[mode].appends)).toFixed(2),
      `${formatCount(combined[mode].walBytes / Math.max(1, combined[mode].appends))} B`,
      mode === 0 ? '' : formatCount(combined[mode].batches / combined[mode].seconds),
      mode === 0 ? '' : (combined[mode].batchedEvents / Math.max(1, combined[mode].batches)).toFixed(1),
      ...cpu(mode),
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  const ratio = rate(1) / rate(0);
  return [
    '### (d) Does the audit tree slow appends?',
    '',
    `The append benchmark's single-event mode on the log above (tree at ${formatCount(appends.treeLeaves)} leaves by the end): ` +
      `${settings.writers} concurrent writers, each appending one event per transaction (\`appendToStream\` with the expected version) to a ` +
      `stream of its own, sharing a pool of ${settings.writers + EXTRA_CONNECTIONS} connections (so that no writer waits for one). **With the audit projection**, a \`ProjectionRunner\` with ` +
      'default options (batches of up to 500, woken by each append through the shared event store) runs only the ' +
      '`AuditTrailProjection` in this process on the same pool, as the in-process projector does: per batch one transaction with the ' +
      "checkpoint lock, the tree lock, the writer's reads and INSERT, a signed head every 1,000 leaves, the checkpoint move and a commit. " +
      `It is started and let catch up before each such run, and stopped after it. ${APPEND_WARM_UP_SECONDS} s of warm-up per mode, then ` +
      `${settings.rounds} rounds of ${settings.seconds} s per mode, in ABBA order. *Tree lag at end*: events not yet leaves when each ` +
      `run stopped; *SQL / append*: statements sent by this process (the writers\' append statements, the throttled NOTIFYs, ` +
      `the runner\'s reads, transactions and writes) per append; *runner batches/s* and *events / batch*: the batches the runner ` +
      `committed during the runs; *WAL / append*: WAL written per append; *CPU / append*: CPU time (user + system) of this process (writers and runner) and of the ` +
      `PostgreSQL server's processes (from /proc) per append, and *cores busy* both together per second of run (this machine has ` +
      `${cpus().length}). Afterwards the tree was caught up and \`audit verify\` passed over all ${formatCount(appends.treeLeaves)} events ` +
      `(${formatCount(appends.treeHeads)} signed heads).`,
    '',
    table,
    '',
    `- With the audit projection running, appends reach ${formatRatio(ratio)} of their rate alone (${verdict(ratio, APPEND_TARGET)}).`,
    ...APPEND_MODES.map(
      (name, mode) => `- What PostgreSQL was busy with, ${name} (pg_stat_activity every 20 ms; wait events in parentheses): ${describeActivity(combined[mode].activity, 6)}.`,
    ),
  ];
}
