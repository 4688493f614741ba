/**
 * `npm run bench:erasure`: PIPL Art. 47 erasure and Art. 45 export through the real API, and
 * whether erasure time grows with the size of the ledger.
 *
 * The app is `createLedgerApi` as it ships (projections in-process) on a fresh database. For each
 * ledger size (--small, --large background events) the log is first filled inside PostgreSQL with
 * cheap non-subject events (INSERT … SELECT generate_series, with their canonical payload digests,
 * in streams of their own); the projections that ignore such events are moved to the head, the
 * audit tree (which must hold every event: the erasure certificate signs a head that covers the
 * erasure) is let grow to the head for real. Then --erasures subjects are registered through
 * `POST /v1/subjects` and given --subject-events events each (service records added one at a time
 * through `POST /v1/subjects/{id}/data/service_interactions/services/items`), and each is erased:
 * an erasure request filed and verified, then `POST /v1/rights-requests/{id}/fulfil` timed (it
 * returns only once subject_profile and the audit tree have taken the erasure in, with the signed
 * certificate). Last, on the large ledger, one subject of the same size gets an access request and
 * `GET /v1/rights-requests/{id}/export` is timed --exports times.
 *
 * Options: --small N (BENCH_SMALL, default 100,000), --large N (BENCH_LARGE, default 1,000,000),
 * --erasures N per size (BENCH_ERASURES, default 20), --subject-events N (BENCH_SUBJECT_EVENTS,
 * default 1,000), --exports N (BENCH_EXPORTS, default 50).
 */
import 'reflect-metadata';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createLedgerApi } from '../apps/ledger-api/src/ledger-api';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { loadConfig } from '@pi-ledger/platform/config/ledger-config';
import {
  apiConfig,
  BenchDatabase,
  createEventTemplates,
  Defer,
  environmentNote,
  formatCount,
  formatMs,
  formatRatio,
  generateEvents,
  intOption,
  listenOnLoopback,
  loadAverage,
  loadNote,
  log,
  markdownTable,
  openBenchDatabase,
  percentileOf,
  progress,
  realisticRegistration,
  runBench,
  serviceLogger,
  startingApp,
  waitForProjections,
  writeDocSection,
} from './bench-support';

const PURPOSE = 'health-management';
const TEMPLATE_TABLE = 'bench_erasure_filler';
const TEMPLATES = 1_000;
/** Streams the filler events are spread over (`bench-filler-<n>`: no subject's stream). */
const FILLER_STREAMS = 10_000;
const GENERATE_CHUNK = 50_000;
/** Subjects being filled at once (each subject's items are added one after another: one stream). */
const FILL_CONCURRENCY = 8;
const CATCH_UP_TIMEOUT_MS = 900_000;
/** Projections that must really process the filler: the audit tree holds every event. */
const REAL_PROJECTIONS = ['audit_trail'];

interface Settings {
  small: number;
  large: number;
  erasures: number;
  subjectEvents: number;
  exports: number;
}

interface Api {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly staff: string;
  readonly officer: string;
}

interface SizeRun {
  filler: number;
  /** ledger_events rows when the first measured erasure started. */
  ledgerEvents: number;
  treeBuildSeconds: number;
  fillSeconds: number;
  eventsPerSubject: number[];
  fulfilMs: number[];
  /** 1-minute load average when its erasures started and ended (other work on the machine). */
  load: [number, number];
}

interface ExportRun {
  ledgerEvents: number;
  eventsOfSubject: number;
  items: number;
  bytes: number;
  latenciesMs: number[];
}

runBench(async (defer: Defer) => {
  const settings: Settings = {
    small: intOption('small', 'BENCH_SMALL', 100_000),
    large: intOption('large', 'BENCH_LARGE', 1_000_000),
    erasures: intOption('erasures', 'BENCH_ERASURES', 20),
    subjectEvents: intOption('subject-events', 'BENCH_SUBJECT_EVENTS', 1_000),
    exports: intOption('exports', 'BENCH_EXPORTS', 50),
  };
  if (settings.large < settings.small) throw new Error('--large must not be below --small');
  const loadAtStart = loadAverage();
  const database = await openBenchDatabase(defer);
  const owner = await database.ownerClient();
  await createEventTemplates(owner, TEMPLATE_TABLE, TEMPLATES);

  // one token drives the whole load: the per-actor look-up limit and alerts would measure 429s instead
  const config = await apiConfig(database, defer, loadConfig({ LEDGER_LOOKUP_LIMIT_PER_MINUTE: '0', LEDGER_LOOKUP_ALERT_PER_HOUR: '0' }));
  if (config.projector !== 'in-process') throw new Error('expected the default in-process projector');
  log('starting the API');
  const api = await listening(await startingApp(() => createLedgerApi(config, serviceLogger())), defer);
  await catchUp(owner);

  let generated = 0;
  const sizes: SizeRun[] = [];
  let exportRun: ExportRun | undefined;
  for (const size of [settings.small, settings.large]) {
    generated = await generateEvents(owner, {
      templates: { table: TEMPLATE_TABLE, count: TEMPLATES },
      from: generated,
      to: size,
      streams: FILLER_STREAMS,
      streamPrefix: 'bench-filler-',
      chunk: GENERATE_CHUNK,
      after: 'ANALYZE',
      label: 'generating filler events',
    });
    const treeBuildSeconds = await skipToHead(owner);
    const fillStarted = performance.now();
    const subjects = await prepareSubjects(api, owner, settings.erasures + (size === settings.large ? 1 : 0), settings.subjectEvents);
    const fillSeconds = (performance.now() - fillStarted) / 1000;
    await catchUp(owner);
    const ledgerEvents = await countEvents(owner);
    const run: SizeRun = { filler: size, ledgerEvents, treeBuildSeconds, fillSeconds, eventsPerSubject: subjects.map((s) => s.events), fulfilMs: [], load: [loadAverage(), 0] };
    const toErase = subjects.slice(0, settings.erasures);
    const bar = progress(`erasing ${toErase.length} subjects at ${formatCount(ledgerEvents)} events`, toErase.length, 'erasures');
    for (const [index, subject] of toErase.entries()) {
      run.fulfilMs.push(await timeErasure(api, owner, subject.id));
      bar.update(index + 1);
    }
    bar.stop();
    run.load[1] = loadAverage();
    log(`${formatCount(ledgerEvents)} events: fulfil p50 ${formatMs(percentileOf(run.fulfilMs, 0.5))}, p99 ${formatMs(percentileOf(run.fulfilMs, 0.99))}`);
    sizes.push(run);
    if (size === settings.large) exportRun = await timeExports(api, owner, subjects[subjects.length - 1], settings.exports);
  }

  const report = renderReport(sizes, exportRun!, settings, config.dbPoolSize, database, loadAtStart);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('erasure', report)}`);
});

// ---------------------------------------------------------------------------------------------
// The app

async function listening(app: NestFastifyApplication, defer: Defer): Promise<Api> {
  const url = await listenOnLoopback(app, defer);
  const tokens = app.get(TokenService);
  const staff = await tokens.sign({ sub: 'staff-bench', roles: ['staff'] });
  const officer = await tokens.sign({ sub: 'co-bench', roles: ['compliance_officer'] });
  return { app, url, staff, officer };
}

async function call(api: Api, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any; bytes: number }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'x-processing-purpose': PURPOSE,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, bytes: Buffer.byteLength(text) };
}

function expectStatus(what: string, reply: { status: number; body: unknown }, ...statuses: number[]): void {
  if (!statuses.includes(reply.status)) throw new Error(`${what} answered ${reply.status} ${JSON.stringify(reply.body).slice(0, 600)}`);
}

// ---------------------------------------------------------------------------------------------
// The ledger: filler events, projections at the head

/**
 * Moves every projection but the audit tree to the head of the log (none of them reads the filler
 * events' type, so this is what they would end at), while the running projector is at work: its
 * batches check their checkpoint under a row lock, so one that raced the move is dropped and
 * re-read. Then waits for the audit tree to take in every event. Returns that wait, in seconds.
 */
async function skipToHead(owner: Client): Promise<number> {
  const started = performance.now();
  const { rowCount } = await owner.query(
    `UPDATE projection_checkpoints c
        SET transaction_id = h.transaction_id::text::bigint, position = h.position, updated_at = now()
       FROM (SELECT transaction_id, position FROM ledger_events ORDER BY transaction_id DESC, position DESC LIMIT 1) h
      WHERE c.name <> ALL($1::text[]) AND c.status = 'running'`,
    [REAL_PROJECTIONS],
  );
  log(`moved ${rowCount} projection checkpoints to the head; the audit tree catches up`);
  await catchUp(owner, true);
  await owner.query('ANALYZE audit_leaves');
  await owner.query('ANALYZE audit_nodes');
  const seconds = (performance.now() - started) / 1000;
  log(`projections at the head after ${seconds.toFixed(1)} s`);
  return seconds;
}

/** Waits until every projection has applied every event. */
function catchUp(owner: Client, verbose = false): Promise<void> {
  return waitForProjections(owner, { timeoutMs: CATCH_UP_TIMEOUT_MS, pollMs: verbose ? 1_000 : 100, verbose });
}

async function countEvents(owner: Client): Promise<number> {
  const { rows } = await owner.query<{ n: string }>(`SELECT count(*)::text AS n FROM ledger_events`);
  return Number(rows[0].n);
}

/** The owner connection's queries from concurrent fillers, one after another (pg warns about overlapping calls). */
let ownerQueue: Promise<unknown> = Promise.resolve();

async function streamLength(owner: Client, subjectId: string): Promise<number> {
  const query = ownerQueue.then(() => owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id = $1`, [`subject-${subjectId}`]));
  ownerQueue = query.catch(() => undefined);
  const { rows } = await query;
  return rows[0].n;
}

// ---------------------------------------------------------------------------------------------
// Subjects

interface Subject {
  id: string;
  /** Events in its stream before any rights request. */
  events: number;
}

let registered = 0;

/**
 * Registers `count` subjects through the API and adds service records, one request each, until
 * each stream holds `events` events; FILL_CONCURRENCY subjects at a time. Not measured.
 */
async function prepareSubjects(api: Api, owner: Client, count: number, events: number): Promise<Subject[]> {
  const subjects: Subject[] = new Array(count);
  const bar = progress(`preparing ${count} subjects of ${formatCount(events)} events through the API`, count * events, 'events');
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(FILL_CONCURRENCY, count) }, async () => {
        for (let index = next++; index < count; index = next++) {
          const registration = await call(api, 'POST', '/v1/subjects', api.staff, realisticRegistration(1_000_000 + registered++));
          expectStatus('POST /v1/subjects', registration, 201);
          const id: string = registration.body.subjectId;
          let length = await streamLength(owner, id);
          done += length;
          for (let item = 0; length < events; item++, length++) {
            const added = await call(api, 'POST', `/v1/subjects/${id}/data/service_interactions/services/items`, api.staff, {
              purposeId: PURPOSE,
              item: { date: '2026-01-15', service: `体检套餐 ${item}`, staff: '李护士', notes: `第 ${item} 次到访，血压正常。` },
            });
            expectStatus('POST …/services/items', added, 200, 201);
            bar.update(++done);
          }
          subjects[index] = { id, events: await streamLength(owner, id) };
        }
      }),
    );
  } finally {
    bar.stop();
  }
  return subjects;
}

/** Files and verifies an erasure request (not measured), lets the projections settle, then times its fulfilment. */
async function timeErasure(api: Api, owner: Client, subjectId: string): Promise<number> {
  const filed = await call(api, 'POST', '/v1/rights-requests', api.staff, { subjectId, type: 'erasure', channel: 'app', requester: { kind: 'staff_on_behalf' } });
  expectStatus('POST /v1/rights-requests (erasure)', filed, 201);
  const id: string = filed.body.requestId;
  expectStatus('verify', await call(api, 'POST', `/v1/rights-requests/${id}/verify`, api.staff, { method: 'id_card_in_person' }), 200);
  await catchUp(owner);
  const started = performance.now();
  const fulfilled = await call(api, 'POST', `/v1/rights-requests/${id}/fulfil`, api.officer);
  const ms = performance.now() - started;
  expectStatus('fulfil (erasure)', fulfilled, 200);
  if (fulfilled.body.status !== 'fulfilled') throw new Error(`erasure request ${id} is ${fulfilled.body.status}`);
  // the fulfilment returned after the purge: the profile must be gone or hold no values now
  const { rows } = await owner.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM subject_profile WHERE subject_id = $1 AND (status <> 'erased' OR data <> '{}'::jsonb OR phone_bidx IS NOT NULL)`,
    [subjectId],
  );
  if (rows[0].n > 0) throw new Error(`subject ${subjectId}'s profile is not purged after the fulfilment returned`);
  return ms;
}

/** An access request for one subject, fulfilled, then its export fetched `count` times (after 5 unmeasured). */
async function timeExports(api: Api, owner: Client, subject: Subject, count: number): Promise<ExportRun> {
  const filed = await call(api, 'POST', '/v1/rights-requests', api.staff, { subjectId: subject.id, type: 'access', channel: 'app', requester: { kind: 'staff_on_behalf' } });
  expectStatus('POST /v1/rights-requests (access)', filed, 201);
  const id: string = filed.body.requestId;
  expectStatus('verify', await call(api, 'POST', `/v1/rights-requests/${id}/verify`, api.staff, { method: 'id_card_in_person' }), 200);
  expectStatus('fulfil (access)', await call(api, 'POST', `/v1/rights-requests/${id}/fulfil`, api.officer), 200);
  await catchUp(owner);
  const ledgerEvents = await countEvents(owner);
  const latenciesMs: number[] = [];
  let bytes = 0;
  let items = 0;
  const bar = progress(`exporting subject of ${formatCount(subject.events)} events ${count} times`, count, 'exports');
  for (let i = -5; i < count; i++) {
    const started = performance.now();
    const exported = await call(api, 'GET', `/v1/rights-requests/${id}/export`, api.officer);
    const ms = performance.now() - started;
    expectStatus('GET …/export', exported, 200);
    bytes = exported.bytes;
    items = exported.body?.data?.service_interactions?.services?.length ?? -1;
    if (i >= 0) {
      latenciesMs.push(ms);
      bar.update(i + 1);
    }
  }
  bar.stop();
  return { ledgerEvents, eventsOfSubject: subject.events, items, bytes, latenciesMs };
}

// ---------------------------------------------------------------------------------------------
// Reporting

function renderReport(sizes: SizeRun[], exported: ExportRun, settings: Settings, poolSize: number, database: BenchDatabase, loadAtStart: number): string {
  const row = (label: string, values: number[], ledger: number, base?: number) => [
    label,
    formatCount(ledger),
    formatCount(values.length),
    formatMs(percentileOf(values, 0.5)),
    formatMs(percentileOf(values, 0.99)),
    formatMs(Math.max(...values)),
    base === undefined ? '1.00×' : formatRatio(percentileOf(values, 0.5) / base),
  ];
  const base = percentileOf(sizes[0].fulfilMs, 0.5);
  const table = markdownTable(
    ['operation', 'ledger events', 'samples', 'p50', 'p99', 'max', 'p50 vs small'],
    [
      ...sizes.map((size, index) => row(`erasure: POST …/fulfil (${formatCount(size.filler)} filler)`, size.fulfilMs, size.ledgerEvents, index === 0 ? undefined : base)),
      [...row('export: GET …/export', exported.latenciesMs, exported.ledgerEvents).slice(0, 6), ''],
    ],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  const [small, large] = sizes;
  const growth = percentileOf(large.fulfilMs, 0.5) / base;
  const growth99 = percentileOf(large.fulfilMs, 0.99) / percentileOf(small.fulfilMs, 0.99);
  const flat = growth <= 1.25;
  const range = (values: number[]) => `${formatCount(Math.min(...values))}–${formatCount(Math.max(...values))}`;
  return [
    '## Erasure and export of a subject with 1,000 events',
    '',
    environmentNote(database),
    loadNote(loadAtStart),
    '',
    '```sh',
    'npm run bench:erasure   # options: --small N, --large N, --erasures N, --subject-events N, --exports N',
    '```',
    '',
    `The real API (\`createLedgerApi\` as it ships: projections in-process, a pool of ${poolSize} connections, production logger ` +
      'configuration with info lines dropped) on 127.0.0.1 over a fresh database. For each ledger size the log is first filled ' +
      'inside PostgreSQL (INSERT … SELECT generate_series into ledger_events) with cheap non-subject events: 1,000 templates of ' +
      `the shared sample event shape under a type no read model handles, spread over ${formatCount(FILLER_STREAMS)} streams of their own, ` +
      'each with its canonical payload digest. The projections that ignore such events had their checkpoints moved to the head ' +
      '(what processing them would have ended at); the audit tree, which must hold every event because the erasure certificate ' +
      'signs a tree head covering the erasure, was grown to the head for real by the in-process projector ' +
      `(${small.treeBuildSeconds.toFixed(0)} s for the small ledger, ${large.treeBuildSeconds.toFixed(0)} s for the rest; not measured).`,
    '',
    `Then ${settings.erasures} subjects per size were registered through \`POST /v1/subjects\` (the realistic customer file: 7 events) ` +
      'and given service records one request at a time through `POST /v1/subjects/{id}/data/service_interactions/services/items` ' +
      `(one \`DataItemAdded\` each, ${FILL_CONCURRENCY} subjects in parallel) until each stream held ${formatCount(settings.subjectEvents)} events ` +
      `(streams of ${range(small.eventsPerSubject.concat(large.eventsPerSubject))} events; ${small.fillSeconds.toFixed(0)} s and ${large.fillSeconds.toFixed(0)} s, not measured). ` +
      'Each was then erased as a whole, one at a time: an erasure request filed by staff and verified (not measured), the projections ' +
      'let catch up, then `POST /v1/rights-requests/{id}/fulfil` as compliance officer timed from sending to the full answer. It ' +
      'appends StartRequest, runs `ErasureService.erase` (SubjectErased appended, data keys shredded, the ID-number index ' +
      'dropped, a wait until subject_profile and the audit tree have applied the erasure, a tree head signed, the certificate ' +
      'signed and stored) and appends FulfilRequest: when it answers, the read models are purged (checked after each). ' +
      '*Ledger events* counts ledger_events when the erasures of that size started.',
    '',
    `Export: on the large ledger one more subject of ${formatCount(exported.eventsOfSubject)} events got an access request (filed, verified, ` +
      `fulfilled); then \`GET /v1/rights-requests/{id}/export\` as compliance officer, 5 unmeasured, then ${exported.latenciesMs.length} ` +
      `timed one after another (each decrypts the subject's data and records the access, an appended event; ` +
      `${formatCount(exported.bytes)} bytes of JSON, ${formatCount(exported.items)} service records).`,
    '',
    table,
    '',
    `- Erasure at ${formatCount(large.ledgerEvents)} events: p50 ${formatMs(percentileOf(large.fulfilMs, 0.5))}, p99 ${formatMs(percentileOf(large.fulfilMs, 0.99))}; ` +
      `at ${formatCount(small.ledgerEvents)} events: p50 ${formatMs(percentileOf(small.fulfilMs, 0.5))}, p99 ${formatMs(percentileOf(small.fulfilMs, 0.99))}. ` +
      `p50 ${formatRatio(growth)}, p99 ${formatRatio(growth99)} for ${formatRatio(large.ledgerEvents / small.ledgerEvents)} the ledger: ` +
      (flat ? 'flat (p50 within 25%), it does not grow with the ledger.' : 'it GROWS with the ledger (p50 more than 25% up).'),
    `- 1-minute load average during the erasures (other benchmarks may share the machine): ${sizes
      .map((size) => `${size.load[0].toFixed(2)} → ${size.load[1].toFixed(2)} at ${formatCount(size.ledgerEvents)} events`)
      .join(', ')}; a difference between sizes in the opposite direction to growth is this noise, not the ledger.`,
    `- Export of a subject with ${formatCount(exported.eventsOfSubject)} events: p50 ${formatMs(percentileOf(exported.latenciesMs, 0.5))}, p99 ${formatMs(percentileOf(exported.latenciesMs, 0.99))} over ${exported.latenciesMs.length} requests.`,
  ].join('\n');
}
