/**
 * `npm run bench:rebuild`: rebuilding the subject_profile projection (`rebuildProjection`, what
 * `ledger projections rebuild subject_profile` runs) over a log of realistic subject events, against
 * a baseline that reads the same events the same way (`readGlobalBatch`, same batch size, same
 * pool) and decrypts them (`SubjectEventCodec.openAll` on a vault with a cold cache, as the projection
 * does) without writing anything, in the same run; with the peak RSS of each, at a tenth of the
 * events and at all of them, to show that the rebuild is streamed.
 *
 * The log: 10 events per subject, sealed by the real PiiVault (`SubjectEventCodec.seal`, a data key
 * per subject × category made, wrapped and stored by the vault), written straight into
 * ledger_events with their canonical payload digests by GENERATORS child processes in parallel.
 *
 * Options: --events N (BENCH_EVENTS, default 1,000,000; rounded up to whole subjects),
 * --batch N events per read (BENCH_BATCH, default 1,000: the rebuild's default), --generators N
 * child processes sealing events (BENCH_GENERATORS, default 2).
 * Run with --expose-gc (the npm script does) so each measured run starts from a collected heap.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { Client, Pool } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { BEGINNING, compareCheckpoints, GlobalCheckpoint, JsonObject } from '@pi-ledger/event-store/event-store.port';
import { canonicalJson, sha256 } from '@pi-ledger/event-store/payload-digest';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { SubjectEvent, subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { loadConfig } from '@pi-ledger/platform/config/ledger-config';
import { kekIdOf } from '@pi-ledger/pii-vault/master-key';
import { openPiiVault } from '@pi-ledger/pii-vault/open-pii-vault';
import { EncryptedValue, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { openProfileData, StoredProfileData } from '@pi-ledger/read-models/projections/subject-profile/profile-sealing';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { KeyRef, KeyRow, NewKey, VaultTables } from '@pi-ledger/pii-vault/vault-tables';
import { SUBJECT_PROFILE_EVENT_TYPES } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.document';
import { SubjectProfileProjection } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.projection';
import { rebuildProjection } from '@pi-ledger/read-models/runner/projection-rebuild';
import {
  ActivityProfile,
  BenchDatabase,
  Defer,
  PgActivitySampler,
  describeActivity,
  environmentNote,
  formatCount,
  formatMiB,
  formatRatio,
  formatSeconds,
  intOption,
  log,
  markdownTable,
  measuredPass,
  mobileNumber,
  openBenchDatabase,
  progress,
  realisticSubjectData,
  runBench,
  writeDocSection,
} from './bench-support';

const TARGET_RATIO = 0.3;
const EVENTS_PER_SUBJECT = 10;
/** Subjects per generated transaction (and per progress report). */
const CHUNK_SUBJECTS = 500;
/** The service pool: the event store and the vault, as in the CLI. */
const SERVICE_POOL = 10;
/** The owner pool of the rebuild (DDL): the CLI's size. */
const OWNER_POOL = 2;
const GENERATOR_FLAG = '--rebuild-bench-generator';
const PURPOSE = { id: 'health-management', legalBasis: 'contract' } as const;
/** DataUpdated events per subject, after its 7 registration events (SubjectRegistered, ConsentGranted, 5 × DataCollected). */
const UPDATES = 3;

interface Settings {
  events: number;
  batch: number;
  generators: number;
  /** --diagnose: sample what PostgreSQL is busy with. */
  diagnose: boolean;
}

interface Run {
  events: number;
  seconds: number;
  peakRss: number;
  /** With --diagnose: the statements active backends were running, by kind, over every sample. */
  activity?: ActivityProfile;
}

interface Contender {
  readonly name: string;
  /** Reads (and for the rebuild, applies) the whole log; calls `onProgress` after each batch. */
  run(onProgress: (events: number) => void): Promise<number>;
}

interface SizeResult {
  subjects: number;
  events: number;
  /** Per contender, in the order of the contenders list. */
  runs: Run[];
}

interface Generation {
  subjects: number;
  events: number;
  seconds: number;
  sealedValues: number;
}

if (process.argv.includes(GENERATOR_FLAG)) {
  serveGeneration();
} else {
  runBench(main);
}

async function main(defer: Defer): Promise<void> {
  const settings: Settings = {
    events: intOption('events', 'BENCH_EVENTS', 1_000_000),
    batch: intOption('batch', 'BENCH_BATCH', 1_000),
    generators: intOption('generators', 'BENCH_GENERATORS', 2),
    diagnose: process.argv.includes('--diagnose') || process.env.BENCH_DIAGNOSE === '1',
  };
  const database = await openBenchDatabase(defer);
  const masterKey = randomBytes(32);
  const pool = await database.ledgerPool(SERVICE_POOL);
  const ownerPool = new Pool({ connectionString: database.url, max: OWNER_POOL, application_name: 'pi-ledger-bench-rebuild' });
  defer(() => ownerPool.end());
  const store = new PostgresEventStore(pool);
  defer(() => store.close());
  // the first open makes the blind-index key, before any generator or measured vault opens one
  await (await openVault(pool, masterKey)).close();

  const contenders: Contender[] = [readAndDecrypt(pool, store, masterKey, settings.batch), rebuild(pool, ownerPool, store, masterKey, settings.batch)];
  const totalSubjects = Math.ceil(settings.events / EVENTS_PER_SUBJECT);
  const sizes = [...new Set([Math.max(1, Math.round(totalSubjects / 10)), totalSubjects])];
  const owner = await database.ownerClient();
  const results: SizeResult[] = [];
  const generations: Generation[] = [];
  let subjects = 0;
  for (const [index, size] of sizes.entries()) {
    generations.push(await generate(database, masterKey, subjects, size, settings.generators, defer));
    subjects = size;
    // what autovacuum would do after such a load, done now so that it does not run during a measurement
    await owner.query('VACUUM (ANALYZE) ledger_events, vault_subject_keys');
    // alternate which goes first from one size to the next, so a warmer cache favours neither
    const order = index % 2 === 0 ? contenders : [...contenders].reverse();
    const runs = new Map<Contender, Run>();
    for (const contender of order) {
      // settle what the previous run left (a new generation of subject_profile, the old one dropped) outside the timing
      await owner.query('VACUUM (ANALYZE)');
      const title = `${formatCount(size * EVENTS_PER_SUBJECT)} events: ${contender.name}`;
      runs.set(contender, await timedRun(contender, size * EVENTS_PER_SUBJECT, title, settings.diagnose ? database.url : undefined));
    }
    results.push({ subjects: size, events: size * EVENTS_PER_SUBJECT, runs: contenders.map((contender) => runs.get(contender)!) });
    await assertRebuilt(owner, size, await openVault(pool, masterKey));
  }

  const report = renderReport(results, generations, contenders, settings, database);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('rebuild', report)}`);
}

/** A vault as the CLI opens one (openPiiVault, default cache of 10,000 keys), minus the LISTEN connection. */
async function openVault(pool: Pool, masterKey: Buffer): Promise<PiiVault> {
  const logger = pino({ level: 'warn', base: { component: 'bench-rebuild' } }, process.stderr);
  const config = { ...loadConfig({}), dataDir: '/nonexistent', masterKey };
  return openPiiVault(pool, config, logger, { listenForShreds: false });
}

// ---------------------------------------------------------------------------------------------
// The contenders

/**
 * The baseline: what the rebuild must do at least, without the read model. The same reads in the
 * same order and batch size (readGlobalBatch from the beginning to the head as the run starts), the
 * same filter by event type, and every event opened by SubjectEventCodec.openAll, a batch at a time
 * as the projection does (the batch's data keys in one SELECT), on a fresh vault (cold key cache) on
 * the same pool.
 */
function readAndDecrypt(pool: Pool, store: PostgresEventStore, masterKey: Buffer, batchSize: number): Contender {
  return {
    name: 'read + decrypt (baseline)',
    async run(onProgress) {
      const vault = await openVault(pool, masterKey);
      try {
        const codec = new SubjectEventCodec(vault);
        const target = await store.headCheckpoint();
        let checkpoint: GlobalCheckpoint = BEGINNING;
        let count = 0;
        while (compareCheckpoints(checkpoint, target) < 0) {
          const batch = await store.readGlobalBatch(checkpoint, batchSize);
          if (batch.events.length === 0) throw new Error('the log ended before its head');
          const relevant = batch.events.filter((event) => SUBJECT_PROFILE_EVENT_TYPES.has(event.type));
          await codec.openAll(
            relevant.map((event) => ({ type: event.type, data: event.data }) as unknown as SubjectEvent<EncryptedValue>),
            relevant.map((event) => event.eventId),
          );
          checkpoint = batch.events[batch.events.length - 1].checkpoint;
          onProgress((count += batch.events.length));
        }
        return count;
      } finally {
        await vault.close();
      }
    },
  };
}

/** The subject: rebuildProjection into a new generation, switch, drop the old one; a fresh vault as a new CLI process has. */
function rebuild(pool: Pool, ownerPool: Pool, store: PostgresEventStore, masterKey: Buffer, batchSize: number): Contender {
  return {
    name: 'rebuildProjection',
    async run(onProgress) {
      const vault = await openVault(pool, masterKey);
      try {
        const result = await rebuildProjection({
          ownerPool,
          store,
          projection: new SubjectProfileProjection(vault),
          batchSize,
          onProgress: (done) => onProgress(done),
        });
        if (result.resumed) throw new Error('the rebuild resumed an earlier one: the figures would not be of a whole rebuild');
        return result.events;
      } finally {
        await vault.close();
      }
    },
  };
}

async function timedRun(contender: Contender, expected: number, title: string, activityUrl?: string): Promise<Run> {
  const activity = activityUrl ? await PgActivitySampler.start(activityUrl, statementKind) : undefined;
  const { events, seconds, peakRss } = await measuredPass(title, expected, (onProgress) => contender.run(onProgress));
  const profile = await activity?.stop();
  if (events !== expected) throw new Error(`${contender.name} went through ${events} events, expected ${expected}`);
  log(`${title}: ${formatCount(events / seconds)} events/s, peak RSS ${formatMiB(peakRss)}${profile ? `; PostgreSQL: ${describeActivity(profile)}` : ''}`);
  return { events, seconds, peakRss, ...(profile ? { activity: profile } : {}) };
}

/** Names the statements of a rebuild for the activity profile. */
function statementKind(query: string, waitEvent: string | null): string {
  const text = query.replace(/\s+/g, ' ').trim();
  if (waitEvent !== null && /^wal(sync|write)$/i.test(waitEvent)) return 'waiting for the WAL flush';
  if (/FROM vault_data_keys WHERE subject_id = ANY/.test(text)) return 'data key lookup (vault)';
  if (/pg_snapshot_xmin\(pg_current_snapshot\(\)\) AS xmin/.test(text)) return 'readGlobalBatch';
  if (/^INSERT INTO "subject_profile__g/.test(text)) return 'profile upsert';
  if (/FROM "subject_profile__g\d+" WHERE subject_id = ANY/.test(text)) return 'profile load';
  if (/^(COMMIT|BEGIN)/.test(text)) return text.slice(0, 6);
  return text.slice(0, 50);
}

/** Guards the figures: one row per subject at its last version, with the sealed values and search keys of the last generated subject. */
async function assertRebuilt(owner: Client, subjects: number, vault: PiiVault): Promise<void> {
  try {
    const { rows } = await owner.query<{ n: number; phones: number; updated: number }>(
      `SELECT count(*)::int AS n, count(phone_bidx)::int AS phones, count(*) FILTER (WHERE version = $1)::int AS updated FROM subject_profile`,
      [EVENTS_PER_SUBJECT],
    );
    const { n, phones, updated } = rows[0];
    if (n !== subjects || phones !== subjects || updated !== subjects) {
      throw new Error(`subject_profile holds ${n} rows (${phones} with a phone index, ${updated} fully updated) for ${subjects} subjects`);
    }
    // the values are sealed in the row: open the last subject's, as the queries do
    const subjectId = subjectIdOf(subjects - 1);
    const sample = await owner.query<{ data: StoredProfileData }>(`SELECT data FROM subject_profile WHERE subject_id = $1`, [subjectId]);
    const data = await openProfileData(vault, subjectId, sample.rows[0]?.data ?? {});
    if (data.contact?.phone !== updatedPhone(subjects - 1) || data.employment?.title !== '高级工程师') {
      throw new Error(`subject ${subjects - 1} has phone ${JSON.stringify(data.contact?.phone)}, title ${JSON.stringify(data.employment?.title)} in subject_profile`);
    }
    log(`checked: subject_profile holds ${formatCount(n)} sealed profiles, each at version ${EVENTS_PER_SUBJECT}`);
  } finally {
    await vault.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Generating the log (child processes)

interface GenerationJob {
  url: string;
  masterKey: string;
  /** Subject numbers [from, to). */
  from: number;
  to: number;
}

type GeneratorMessage = { type: 'progress'; events: number; sealed: number } | { type: 'done' } | { type: 'error'; error: string };

/** Subject n's id: a UUID derived from n, so the parent can find it without asking the generator. */
function subjectIdOf(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `01900000-0000-7000-8000-${hex}`;
}

function updatedPhone(n: number): string {
  return mobileNumber(n + 50_000_000);
}

/**
 * Subjects [from, to) sealed by `generators` child processes, each with a contiguous share, in
 * parallel: the children are separate processes so that their heaps never count in this one's RSS.
 */
async function generate(database: BenchDatabase, masterKey: Buffer, from: number, to: number, generators: number, defer: Defer): Promise<Generation> {
  const events = (to - from) * EVENTS_PER_SUBJECT;
  const bar = progress(`generating ${formatCount(events)} events (${formatCount(to - from)} subjects, ${generators} generators)`, events, 'events');
  const started = performance.now();
  let done = 0;
  let sealed = 0;
  const share = Math.ceil((to - from) / generators);
  try {
    await Promise.all(
      Array.from({ length: generators }, (_, index) => {
        const job: GenerationJob = { url: database.url, masterKey: masterKey.toString('base64'), from: from + index * share, to: Math.min(to, from + (index + 1) * share) };
        if (job.from >= job.to) return Promise.resolve();
        return runGenerator(job, defer, (message) => {
          done += message.events;
          sealed += message.sealed;
          bar.update(done);
        });
      }),
    );
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  log(`generated ${formatCount(events)} events at ${formatCount(events / seconds)} events/s (${formatCount(sealed)} values sealed)`);
  return { subjects: to - from, events, seconds, sealedValues: sealed };
}

function runGenerator(job: GenerationJob, defer: Defer, onProgress: (message: { events: number; sealed: number }) => void): Promise<void> {
  const child: ChildProcess = fork(__filename, [GENERATOR_FLAG], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  defer(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  return new Promise<void>((resolve, reject) => {
    let finished = false;
    child.on('message', (message: GeneratorMessage) => {
      if (message.type === 'progress') onProgress(message);
      else if (message.type === 'done') {
        finished = true;
        child.disconnect();
        resolve();
      } else {
        finished = true;
        reject(new Error(`generator: ${message.error}`));
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!finished) reject(new Error(`a generator exited (${signal ?? code}) before it finished`));
    });
    child.send(job);
  });
}

/**
 * The vault's key storage for generation: the vault makes and wraps each data key as it always
 * does (PiiVault.fetch), but the rows are kept for one multi-row INSERT per chunk, in the chunk's
 * transaction, instead of one commit per key. Only new subjects are generated, so a key is either
 * made here or still known here.
 */
class BatchedKeyTables extends VaultTables {
  private readonly rows = new Map<string, KeyRow>();
  private pending: KeyRow[] = [];

  override async findKeys(refs: readonly KeyRef[]): Promise<KeyRow[]> {
    return refs.flatMap((ref) => this.rows.get(`${ref.subjectId}\n${ref.category}`) ?? []);
  }

  override async createKeys(subjectId: string, keys: readonly NewKey[], kekId: string): Promise<KeyRow[]> {
    for (const key of keys) {
      const id = `${subjectId}\n${key.category}`;
      if (this.rows.has(id)) continue;
      const row = { key_id: key.keyId, subject_id: subjectId, category: key.category, wrapped_key: key.wrapped, kek_id: kekId };
      this.rows.set(id, row);
      this.pending.push(row);
    }
    return this.findKeys(keys.map((key) => ({ subjectId, category: key.category })));
  }

  takePending(): KeyRow[] {
    const rows = this.pending;
    this.pending = [];
    return rows;
  }

  forget(subjectIds: readonly string[]): void {
    const gone = new Set(subjectIds);
    for (const [id, row] of this.rows) if (gone.has(row.subject_id)) this.rows.delete(id);
  }
}

interface GeneratedEvent {
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  data: string;
  metadata: string;
  digest: Buffer;
}

function serveGeneration(): void {
  process.once('message', (job: GenerationJob) => {
    generateShare(job).then(
      () => process.send!({ type: 'done' } satisfies GeneratorMessage),
      (error: unknown) => process.send!({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies GeneratorMessage),
    );
  });
}

/**
 * Chunk by chunk of CHUNK_SUBJECTS subjects: their 7 registration events, then the 3 updates of
 * the previous chunk's subjects (a subject's updates come about 5,000 events after its
 * registration, not right after it), sealed by a PiiVault; then one transaction inserts the chunk's
 * data keys and events. The next chunk is sealed while PostgreSQL inserts the last one.
 */
async function generateShare(job: GenerationJob): Promise<void> {
  const masterKey = Buffer.from(job.masterKey, 'base64');
  const client = new Client({ connectionString: job.url, application_name: 'pi-ledger-bench-generator' });
  await client.connect();
  // generation only: its commits need not wait for the WAL flush (nothing measured runs meanwhile)
  await client.query('SET synchronous_commit = off');
  const keyPool = new Pool({ connectionString: job.url, max: 1 }); // the vault's; never used here
  const tables = new BatchedKeyTables(keyPool);
  const logger = pino({ level: 'warn' }, process.stderr);
  // the real vault with its own code paths; the blind-index key is not needed to seal
  const vault = new PiiVault(keyPool, tables, { kek: masterKey, keyring: new Map([[kekIdOf(masterKey), masterKey]]), blindIndexKey: randomBytes(32) }, {}, logger);
  const codec = new SubjectEventCodec(vault);
  let inFlight: Promise<unknown> = Promise.resolve();
  let previous: number[] = [];
  try {
    for (let first = job.from; first < job.to || previous.length > 0; first += CHUNK_SUBJECTS) {
      const current = Array.from({ length: Math.max(0, Math.min(CHUNK_SUBJECTS, job.to - first)) }, (_, offset) => first + offset);
      const events: GeneratedEvent[] = [];
      let sealed = 0;
      for (const n of current) sealed += await sealAll(codec, registrationEvents(n), 1, events);
      for (const n of previous) sealed += await sealAll(codec, updateEvents(n), 8, events);
      const keys = tables.takePending();
      tables.forget(previous.map(subjectIdOf));
      await inFlight;
      inFlight = insertChunk(client, keys, events).then(() => process.send!({ type: 'progress', events: events.length, sealed } satisfies GeneratorMessage));
      inFlight.catch(() => undefined); // awaited before the next chunk is sent, or at the end
      previous = current;
    }
    await inFlight;
  } finally {
    await client.end();
    await keyPool.end();
  }
}

/** Seals `events` of one subject (stream versions from `version` on) into `into`; returns the values sealed. */
async function sealAll(codec: SubjectEventCodec, events: { event: SubjectEvent; metadata: JsonObject }[], version: number, into: GeneratedEvent[]): Promise<number> {
  let sealedValues = 0;
  for (const [offset, { event, metadata }] of events.entries()) {
    const eventId = uuidv7();
    const sealed = await codec.seal(event, eventId);
    const data = sealed.data as unknown as JsonObject;
    sealedValues += countSealed(data);
    into.push({
      eventId,
      streamId: subjectStream(event.data.subjectId),
      version: version + offset,
      type: event.type,
      data: JSON.stringify(data),
      metadata: JSON.stringify(metadata),
      digest: sha256(canonicalJson(data)),
    });
  }
  return sealedValues;
}

function countSealed(data: JsonObject): number {
  const values = (data.fields ?? data.set) as JsonObject | undefined;
  return values ? Object.keys(values).length : 0;
}

async function insertChunk(client: Client, keys: readonly KeyRow[], events: readonly GeneratedEvent[]): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO vault_subject_keys AS s (subject_id, kek_id, categories, key_ids, wrapped)
       SELECT k.subject_id, min(k.kek_id), array_agg(k.category), array_agg(k.key_id), array_agg(k.wrapped_key)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::text[]) AS k(key_id, subject_id, category, wrapped_key, kek_id)
        GROUP BY k.subject_id
           ON CONFLICT (subject_id) DO UPDATE
          SET categories = s.categories || EXCLUDED.categories, key_ids = s.key_ids || EXCLUDED.key_ids, wrapped = s.wrapped || EXCLUDED.wrapped`,
      [keys.map((key) => key.key_id), keys.map((key) => key.subject_id), keys.map((key) => key.category), keys.map((key) => key.wrapped_key), keys.map((key) => key.kek_id)],
    );
    // straight into ledger_events (its triggers refuse only UPDATE, DELETE and TRUNCATE), in order
    await client.query(
      `INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
       SELECT id, stream, version, type, 1, data, metadata, digest
         FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[], $7::bytea[]) WITH ORDINALITY
              AS e(id, stream, version, type, data, metadata, digest, ord)
        ORDER BY ord`,
      [
        events.map((event) => event.eventId),
        events.map((event) => event.streamId),
        events.map((event) => event.version),
        events.map((event) => event.type),
        events.map((event) => event.data),
        events.map((event) => event.metadata),
        events.map((event) => event.digest),
      ],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

const TIME_BASE = Date.parse('2026-01-05T01:00:00.000Z');
/** Subject n registers n minutes after TIME_BASE; its changes follow `days` later. */
const at = (n: number, days: number) => new Date(TIME_BASE + n * 60_000 + days * 86_400_000).toISOString();

function metadataOf(correlationId: string): JsonObject {
  return { actor: 'staff-bench', roles: ['staff'], purposeId: PURPOSE.id, legalBasis: PURPOSE.legalBasis, correlationId, causationId: correlationId };
}

/** What registering subject n through the API decides: SubjectRegistered, ConsentGranted, a DataCollected per category. */
function registrationEvents(n: number): { event: SubjectEvent; metadata: JsonObject }[] {
  const subjectId = subjectIdOf(n);
  const now = at(n, 0);
  const metadata = metadataOf(randomUUID());
  const data = realisticSubjectData(n);
  const events: SubjectEvent[] = [
    {
      type: 'SubjectRegistered',
      data: { subjectId, purposeId: PURPOSE.id, legalBasis: PURPOSE.legalBasis, noticeVersion: 'v1', channel: 'front-desk', minor: false, registeredAt: now },
    },
    {
      type: 'ConsentGranted',
      data: {
        subjectId,
        consentId: uuidv7(),
        purposeId: PURPOSE.id,
        categories: ['health', 'identity_document', 'health_records'],
        separate: true,
        noticeVersion: 'v1',
        channel: 'front-desk',
        grantedAt: now,
      },
    },
    ...Object.entries(data).map(([category, fields]): SubjectEvent => ({
      type: 'DataCollected',
      data: { subjectId, category: category as Category, purposeId: PURPOSE.id, fields, collectedAt: now },
    })),
  ];
  return events.map((event) => ({ event, metadata }));
}

/** Later changes: a new phone number, a lifestyle update, a promotion; one request each. */
function updateEvents(n: number): { event: SubjectEvent; metadata: JsonObject }[] {
  const subjectId = subjectIdOf(n);
  const change = (category: 'contact' | 'health' | 'employment', set: Record<string, unknown>, days: number): SubjectEvent => ({
    type: 'DataUpdated',
    data: { subjectId, category, purposeId: PURPOSE.id, reason: 'update', set, changedAt: at(n, days) },
  });
  const events = [
    change('contact', { phone: updatedPhone(n) }, 30),
    change('health', { lifestyle: { smoking: '不吸烟', exercise: '每天快走一小时' } }, 90),
    change('employment', { title: '高级工程师' }, 180),
  ];
  if (events.length !== UPDATES) throw new Error('UPDATES is out of date');
  return events.map((event) => ({ event, metadata: metadataOf(randomUUID()) }));
}

// ---------------------------------------------------------------------------------------------
// Reporting

const rate = (run: Run): number => run.events / run.seconds;

function renderReport(results: readonly SizeResult[], generations: readonly Generation[], contenders: readonly Contender[], settings: Settings, database: BenchDatabase): string {
  const table = markdownTable(
    ['log size', 'subjects', 'run', 'time', 'events/s', 'vs baseline', 'peak RSS'],
    results.flatMap((result) =>
      contenders.map((contender, index) => {
        const run = result.runs[index];
        return [
          formatCount(result.events),
          formatCount(result.subjects),
          contender.name,
          formatSeconds(run.seconds),
          formatCount(rate(run)),
          formatRatio(rate(run) / rate(result.runs[0])),
          formatMiB(run.peakRss),
        ];
      }),
    ),
    ['right', 'right', 'left', 'right', 'right', 'right', 'right'],
  );
  const subject = 1; // the rebuild
  const verdicts = results.map((result) => {
    const ratio = rate(result.runs[subject]) / rate(result.runs[0]);
    return (
      `- ${formatCount(result.events)} events: the rebuild runs at ${formatCount(rate(result.runs[subject]))} events/s, ` +
      `${formatRatio(ratio)} of reading and decrypting alone (target ≥ ${formatRatio(TARGET_RATIO)}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}).`
    );
  });
  const generated = generations.reduce((total, generation) => total + generation.events, 0);
  const generationSeconds = generations.reduce((total, generation) => total + generation.seconds, 0);
  const sealed = generations.reduce((total, generation) => total + generation.sealedValues, 0);
  return [
    '## Projection rebuild: subject_profile',
    '',
    environmentNote(database),
    '',
    '```sh',
    'npm run bench:rebuild   # options: --events N (BENCH_EVENTS), --batch N, --generators N, --diagnose',
    '```',
    '',
    `The log holds ${EVENTS_PER_SUBJECT} events per subject, as the API writes them: \`SubjectRegistered\`, \`ConsentGranted\` and ` +
      `5 × \`DataCollected\` (identity, ID document, contact, employment, health: the customer file of test/support/realistic-subject.ts, ` +
      `each subject with its own ID number and phone), then ${UPDATES} × \`DataUpdated\` (phone, lifestyle, job title) about ` +
      `${formatCount(CHUNK_SUBJECTS * EVENTS_PER_SUBJECT)} events later. Every PI value is sealed by the real \`PiiVault\` through ` +
      `\`SubjectEventCodec.seal\` (AES-256-GCM, AAD binding event id, subject, category and field; a data key per subject × category, ` +
      `made and wrapped by the vault), and the events go straight into ledger_events with their canonical payload digests, ` +
      `${settings.generators} child processes sealing in parallel (${formatCount(generated)} events, ${formatCount(sealed)} values sealed, ` +
      `${formatCount(generated / generationSeconds)} events/s; not measured). The log is then VACUUMed and ANALYZEd, and the database again before each run, so that autovacuum ` +
      `does not run during a measurement.`,
    '',
    `At each size, in the same process, on the same pools (a service pool of ${SERVICE_POOL} connections as \`pi_ledger_app\` for the event ` +
      `store and the vault; the rebuild's owner pool of ${OWNER_POOL} for DDL and its transactions, as in the CLI), reading ` +
      `${formatCount(settings.batch)} events per \`readGlobalBatch\`, each on a freshly opened vault (\`openPiiVault\`, an empty cache ` +
      `of 10,000 keys, so every data key is SELECTed, with the others its batch needs, and unwrapped once, as in a new CLI process); which runs first alternates by size:`,
    '',
    '- **read + decrypt (baseline)**: `readGlobalBatch` from the beginning to the head, every event opened by ' +
      '`SubjectEventCodec.openAll`, a batch at a time as the projection does (the data keys the batch needs and the ' +
      'cache lacks in one SELECT); nothing written.',
    '- **rebuildProjection**: `rebuildProjection` of `SubjectProfileProjection` (what `ledger projections rebuild subject_profile` runs): ' +
      'a new generation of subject_profile filled batch by batch (per batch: load the rows involved, decrypt, fold, blind indexes, one ' +
      'upsert, the rebuild heartbeat, a commit), then the view switch and the old generation dropped.',
    '',
    'Peak RSS is sampled every 5 ms and after every batch, each run starting after a forced GC; the generators are other processes, ' +
      'so their memory never counts here. The baseline holds one batch at a time by construction.',
    '',
    table,
    '',
    ...verdicts,
    memoryVerdict(results, subject),
    ...(settings.diagnose ? diagnosis(results, contenders) : []),
  ].join('\n');
}

/** With --diagnose: what PostgreSQL was busy with during each run. */
function diagnosis(results: readonly SizeResult[], contenders: readonly Contender[]): string[] {
  const lines = [
    '',
    "**Diagnosis** (`--diagnose`): every 20 ms during each run, the statements the database's backends were running " +
      '(pg_stat_activity), as shares of all active-backend observations:',
    '',
  ];
  for (const result of results) {
    for (const [index, contender] of contenders.entries()) {
      const run = result.runs[index];
      if (run.activity) lines.push(`- ${formatCount(result.events)} events, ${contender.name}: ${formatCount(rate(run))} events/s; ${describeActivity(run.activity)}.`);
    }
  }
  return lines;
}

/**
 * A rebuild that held its events or its rows would grow with the log: tenfold from the first size to
 * the second. A streamed one stays within GC noise of its peak at the small size (a quarter plus
 * 32 MiB), or at least as near the baseline's, which holds one batch at a time by construction.
 */
function memoryVerdict(results: readonly SizeResult[], subject: number): string {
  const figures = results.map((result) => `${formatMiB(result.runs[subject].peakRss)} at ${formatCount(result.events)} events (baseline ${formatMiB(result.runs[0].peakRss)})`);
  if (results.length < 2) return `- Memory: the rebuild's peak RSS is ${figures.join(', ')}.`;
  const near = (value: number, reference: number) => value <= 1.25 * reference + 32 * 2 ** 20;
  const [small, large] = [results[0].runs[subject].peakRss, results[results.length - 1].runs[subject].peakRss];
  const verdict = near(large, small)
    ? 'flat as the log grows tenfold, so the rebuild is streamed'
    : results.every((result) => near(result.runs[subject].peakRss, result.runs[0].peakRss))
      ? 'no more than the batch-at-a-time baseline at each size (both grew alike: heap V8 kept, not data held), so the rebuild is streamed'
      : 'it GROWS with the log beyond the baseline: the rebuild holds data';
  return `- Memory: the rebuild's peak RSS is ${figures.join(', ')}: ${verdict}.`;
}
