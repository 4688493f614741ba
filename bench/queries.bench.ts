/**
 * `npm run bench:queries`: the read side of the real API, listening on 127.0.0.1, under autocannon
 * at 16 concurrent connections: `GET /v1/subjects/{id}` over random subjects and the phone lookup
 * `GET /v1/subjects?phone=…`, each recording its access (a PersonalDataAccessed event appended
 * before the answer), on two APIs in the same run: the API as it ships (`createLedgerApi`, the
 * PII vault: the subject_profile read model keeps each category sealed) and its plaintext baseline
 * (the same app module with the pass-through vault of bench-support: values in clear, in envelopes
 * of the real shape). Also `GET /health/live` on the shipped app, the HTTP stack alone, so the
 * figures compare across machines.
 *
 * Each API has a fresh database of its own on the same server (the sealed rows of one cannot be
 * read by the other), holding --subjects realistic subjects registered through its
 * `POST /v1/subjects` first; projections run in-process.
 *
 * The load generator runs in a worker thread of this process (this same file), with an event loop
 * of its own.
 *
 * Options: --subjects N per API (BENCH_SUBJECTS, default 10,000), --connections N
 * (BENCH_CONNECTIONS, default 16), --seconds N per measured run (BENCH_SECONDS, default 6),
 * --rounds N (BENCH_ROUNDS, default 3: each endpoint on each API once per round, the endpoints'
 * order rotating and which API goes first alternating), --warm-up N seconds per run measured
 * (BENCH_WARM_UP, default 3), --diagnose (BENCH_DIAGNOSE=1: what PostgreSQL is busy with).
 */
import 'reflect-metadata';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { workerData } from 'node:worker_threads';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createLedgerApi } from '../apps/ledger-api/src/ledger-api';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { loadConfig } from '@pi-ledger/platform/config/ledger-config';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import {
  ActivityProfile,
  apiConfig,
  assertNoFailedRequests,
  BenchDatabase,
  combineLoads,
  createPlaintextLedgerApi,
  Defer,
  describeActivity,
  environmentNote,
  failureNote,
  formatCount,
  formatMs,
  formatRatio,
  intOption,
  listenOnLoopback,
  LOAD_DRAIN_MS,
  loadAverage,
  loadNote,
  LoadResult,
  LoadSettings,
  loadSettings,
  LoadWorker,
  log,
  markdownTable,
  mergeActivity,
  mobileNumber,
  openBenchDatabase,
  percentileOf,
  PgActivitySampler,
  PLAINTEXT_KID,
  processCpuSeconds,
  progress,
  realisticRegistration,
  requestRate,
  rotation,
  roundRatios,
  runAutocannon,
  runLoadBench,
  serverCpuSeconds,
  serviceLogger,
  startingApp,
  statementCounter,
  sum,
  timedRun,
  waitForProjections,
  writeDocSection,
} from './bench-support';

const PURPOSE = 'health-management';
/** Issue #18: profile reads and phone lookups on the sealed read model at least this share of the plaintext rate. */
const TARGET_RATIO = 0.8;
/** Concurrent registrations while filling a ledger (not measured). */
const REGISTER_CONCURRENCY = 16;
/** How long to wait for the in-process projections to catch up before a run. */
const CATCH_UP_TIMEOUT_MS = 120_000;

type EndpointKind = 'live' | 'read' | 'phone';

interface Endpoint {
  readonly kind: EndpointKind;
  readonly name: string;
  /** Appends a PersonalDataAccessed event per 2xx answer. */
  readonly recordsAccess: boolean;
}

const LIVE: Endpoint = { kind: 'live', name: 'GET /health/live', recordsAccess: false };
const READ: Endpoint = { kind: 'read', name: 'GET /v1/subjects/{id}', recordsAccess: true };
const PHONE: Endpoint = { kind: 'phone', name: 'GET /v1/subjects?phone=…', recordsAccess: true };
/** The endpoints compared sealed against plaintext. */
const COMPARED: readonly Endpoint[] = [READ, PHONE];

/** The two APIs, by index: the plaintext baseline first. */
const PLAINTEXT = 0;
const SEALED = 1;

interface Settings extends LoadSettings {
  /** --diagnose: sample what PostgreSQL is busy with during each measured run. */
  diagnose: boolean;
  /** Subjects registered in each API's database. */
  subjects: number;
}

// ---------------------------------------------------------------------------------------------
// The load worker

interface LoadJob {
  url: string;
  token: string;
  seconds: number;
  connections: number;
  kind: EndpointKind;
  /** Whose subjects to pick from: PLAINTEXT or SEALED. */
  api: number;
}

/** The subjects of one API's database. */
interface Subjects {
  ids: string[];
  /** The phone of subject i, spelt as the lookup sends it (digits only, not as registered). */
  phones: string[];
}

function pathFor(kind: EndpointKind, subjects: Subjects): string {
  const pick = Math.floor(Math.random() * subjects.ids.length);
  if (kind === 'read') return `/v1/subjects/${subjects.ids[pick]}`;
  if (kind === 'phone') return `/v1/subjects?phone=${encodeURIComponent(subjects.phones[pick])}`;
  return '/health/live';
}

/** In the worker: each request picks a random subject of the API's own (workerData: the Subjects of each API, by index). */
function load(job: LoadJob): Promise<LoadResult> {
  const subjects = (workerData as Subjects[])[job.api];
  return runAutocannon({
    url: job.url,
    connections: job.connections,
    seconds: job.seconds,
    method: 'GET',
    // the same headers on every endpoint: the baseline parses as much request as the others
    headers: { authorization: `Bearer ${job.token}`, 'x-processing-purpose': PURPOSE },
    eachRequest: () => ({ path: pathFor(job.kind, subjects) }),
  });
}

// ---------------------------------------------------------------------------------------------
// Running

interface Api {
  readonly name: string;
  readonly sealed: boolean;
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly token: string;
  /** Its own database's owner URL, and an owner connection to it (not counted as the app's statements). */
  readonly databaseUrl: string;
  readonly owner: Client;
}

/** One endpoint on one API, measured once per round. */
interface Contender {
  readonly api: number;
  readonly endpoint: Endpoint;
}

interface Run extends LoadResult {
  /** With --diagnose: what the database's backends ran during the autocannon run. */
  activity?: ActivityProfile;
  /** CPU seconds over the same span: this process (the API, and autocannon's worker thread) and the PostgreSQL server. */
  cpuProcess: number;
  cpuServer?: number;
  /** SQL statements the app sent (the request path and the in-process projector) over the same span as writeTransactions. */
  statements: number;
  /** Transactions that wrote (took a transaction id) from the run's start until the projections had applied its events. */
  writeTransactions: number;
  /** WAL written over the same span, bytes. */
  walBytes: number;
}

/** Server-side counters read at once, without waiting for statistics to be flushed. */
interface ServerCounters {
  nextXid: bigint;
  walLsn: string;
  statements: number;
  cpuProcess: number;
  cpuServer?: number;
}

/** What the report says about the setup besides the settings. */
interface Setup {
  poolSize: number;
  startLoad: number;
  /** Access records in each API's ledger at the end. */
  accessEvents: number[];
  /** Live data keys in the sealed API's database, and those its vault held in memory at the end. */
  dataKeys: number;
  cachedKeys: number;
}

runLoadBench(main, load);

async function main(defer: Defer): Promise<void> {
  const startLoad = loadAverage();
  const settings: Settings = {
    diagnose: process.argv.includes('--diagnose') || process.env.BENCH_DIAGNOSE === '1',
    subjects: intOption('subjects', 'BENCH_SUBJECTS', 10_000),
    ...loadSettings({ connections: 16, seconds: 6, rounds: 3, warmUp: 3 }),
  };
  const database = await openBenchDatabase(defer);
  // each API on a database of its own: the sealed read model's rows open only with the real vault's keys
  const plaintextUrl = await database.sibling();
  // the API as it ships by default: projections run in-process;
  // one token drives the whole load: the per-actor look-up limit and alerts would measure 429s instead
  const base = loadConfig({ LEDGER_LOOKUP_LIMIT_PER_MINUTE: '0', LEDGER_LOOKUP_ALERT_PER_HOUR: '0' });
  const sealedConfig = await apiConfig(database, defer, base);
  const plaintextConfig = { ...(await apiConfig(database, defer, base)), databaseUrl: plaintextUrl };
  if (sealedConfig.projector !== 'in-process') throw new Error('expected the default in-process projector');
  const owners = [await ownerClient(plaintextUrl, defer), await database.ownerClient()];
  for (const owner of owners) statementCounter.excluded.add(owner);
  statementCounter.install();
  const logger = serviceLogger();

  log('starting the API with the PII vault (sealed read model)');
  const sealed = await listening('sealed (PiiVault)', true, database.url, owners[SEALED], await startingApp(() => createLedgerApi(sealedConfig, logger)), defer);
  log('starting the API with the pass-through vault (plaintext read model)');
  const plaintext = await listening(
    'plaintext (pass-through vault)',
    false,
    plaintextUrl,
    owners[PLAINTEXT],
    await startingApp(() => createPlaintextLedgerApi(plaintextConfig, logger)),
    defer,
  );
  const apis: Api[] = [];
  apis[PLAINTEXT] = plaintext;
  apis[SEALED] = sealed;

  const subjects: Subjects[] = [];
  for (const index of [PLAINTEXT, SEALED]) {
    subjects[index] = await registerSubjects(apis[index], settings.subjects);
    await catchUp(apis[index]);
    await smokeTest(apis[index], subjects[index]);
  }

  // the contenders, in groups measured back to back: the HTTP stack alone, then each endpoint on both APIs
  const groups: Contender[][] = [[{ api: SEALED, endpoint: LIVE }], ...COMPARED.map((endpoint) => [PLAINTEXT, SEALED].map((api) => ({ api, endpoint })))];
  const contenders = groups.flat();
  const label = (contender: Contender) => (contender.endpoint === LIVE ? contender.endpoint.name : `${contender.endpoint.name}, ${apis[contender.api].name}`);

  const generator = await LoadWorker.start<LoadJob, LoadResult>(__filename, defer, subjects);
  for (const contender of contenders) {
    await measure(apis[contender.api], generator, contender.endpoint, settings.warmUp, settings.connections, `warm-up, ${label(contender)}`, undefined);
  }
  const runs: Run[][] = contenders.map(() => []);
  for (let round = 0; round < settings.rounds; round++) {
    for (const group of rotation(round, groups.length)) {
      // which API goes first alternates from round to round
      const order = round % 2 === 0 ? groups[group] : [...groups[group]].reverse();
      for (const contender of order) {
        const api = apis[contender.api];
        const title = `round ${round + 1}/${settings.rounds}, ${label(contender)}`;
        const run = await measure(api, generator, contender.endpoint, settings.seconds, settings.connections, title, settings.diagnose ? api.databaseUrl : undefined);
        runs[contenders.indexOf(contender)].push(run);
      }
    }
  }
  const accessEvents = await Promise.all(apis.map((api, index) => assertRecorded(api, contenders, runs, index)));
  const setup: Setup = {
    poolSize: sealedConfig.dbPoolSize,
    startLoad,
    accessEvents,
    dataKeys: await liveDataKeys(sealed.owner),
    cachedKeys: sealed.app.get<symbol, PiiVault>(PII_VAULT).cachedKeys,
  };

  const report = renderReport(apis, contenders, runs, settings, setup, database);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('queries', report)}`);
  assertNoFailedRequests(runs.flat());
}

async function ownerClient(url: string, defer: Defer): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'pi-ledger-bench-owner' });
  await client.connect();
  defer(() => client.end());
  return client;
}

/** Listening on a free loopback port; closed (projector stopped, pool ended) before the database goes. */
async function listening(name: string, sealed: boolean, databaseUrl: string, owner: Client, app: NestFastifyApplication, defer: Defer): Promise<Api> {
  const url = await listenOnLoopback(app, defer);
  const token = await app.get(TokenService).sign({ sub: 'staff-bench', roles: ['staff'] });
  return { name, sealed, app, url, token, databaseUrl, owner };
}

/** Registers subjects 0 .. count-1 through the API's `POST /v1/subjects` (each with its own ID number and phone); not measured. */
async function registerSubjects(api: Api, count: number): Promise<Subjects> {
  const ids: string[] = new Array(count);
  const bar = progress(`registering ${formatCount(count)} subjects through the ${api.name} API`, count, 'subjects');
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: REGISTER_CONCURRENCY }, async () => {
        for (let n = next++; n < count; n = next++) {
          const response = await fetch(`${api.url}/v1/subjects`, {
            method: 'POST',
            headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(realisticRegistration(n)),
          });
          const body = (await response.json()) as { subjectId?: string };
          if (response.status !== 201 || !body.subjectId) throw new Error(`${api.name}: registration ${n} answered ${response.status} ${JSON.stringify(body)}`);
          ids[n] = body.subjectId;
          bar.update(++done);
        }
      }),
    );
  } finally {
    bar.stop();
  }
  // typed as people type it, not as registered ('139 0000 0001'): the blind index normalises both
  const phones = ids.map((_, n) => mobileNumber(n).replace(/ /g, ''));
  return { ids, phones };
}

/**
 * Waits until every projection of the API's database has applied every event: the in-process
 * projector then has no backlog left from the previous run to work through during the next one.
 */
function catchUp(api: Api): Promise<void> {
  return waitForProjections(api.owner, { timeoutMs: CATCH_UP_TIMEOUT_MS, pollMs: 200 });
}

/**
 * One request of each kind outside the measurement: each must answer 200 with the subject asked
 * for; and the subject's profile row must be stored as the API claims (sealed, or in clear).
 */
async function smokeTest(api: Api, subjects: Subjects): Promise<void> {
  const n = subjects.ids.length - 1;
  const headers = { authorization: `Bearer ${api.token}`, 'x-processing-purpose': PURPOSE };
  const read = await fetch(`${api.url}/v1/subjects/${subjects.ids[n]}`, { headers });
  const profile = (await read.json()) as { subjectId?: string; data?: { contact?: { phone?: string } } };
  if (read.status !== 200 || profile.subjectId !== subjects.ids[n] || !profile.data?.contact?.phone) {
    throw new Error(`${api.name}: GET /v1/subjects/{id} answered ${read.status} ${JSON.stringify(profile).slice(0, 400)}`);
  }
  const search = await fetch(`${api.url}/v1/subjects?phone=${encodeURIComponent(subjects.phones[n])}`, { headers });
  const found = (await search.json()) as { items?: { subjectId: string }[] };
  if (search.status !== 200 || found.items?.length !== 1 || found.items[0].subjectId !== subjects.ids[n]) {
    throw new Error(`${api.name}: GET /v1/subjects?phone= answered ${search.status} ${JSON.stringify(found).slice(0, 400)}`);
  }
  const live = await fetch(`${api.url}/health/live`, { headers });
  if (live.status !== 200) throw new Error(`${api.name}: GET /health/live answered ${live.status}`);

  const { rows } = await api.owner.query<{ category: string; kid: string | null }>(
    `SELECT category, value->>'kid' AS kid FROM subject_profile, jsonb_each(data) AS d(category, value) WHERE subject_id = $1 ORDER BY category`,
    [subjects.ids[n]],
  );
  const clear = rows.filter((row) => row.kid === PLAINTEXT_KID).length;
  const sealed = rows.filter((row) => row.kid !== null && row.kid !== PLAINTEXT_KID).length;
  if (rows.length === 0 || (api.sealed ? sealed : clear) !== rows.length) {
    throw new Error(`${api.name}: of ${rows.length} profile categories, ${sealed} sealed by the PII vault and ${clear} by the pass-through vault`);
  }
}

/** One autocannon run against one endpoint after the projections caught up, then a pause for the requests left in flight. */
async function measure(
  api: Api,
  generator: LoadWorker<LoadJob, LoadResult>,
  endpoint: Endpoint,
  seconds: number,
  connections: number,
  title: string,
  activityUrl: string | undefined,
): Promise<Run> {
  await catchUp(api);
  const before = await serverCounters(api.owner);
  const sampler = activityUrl ? await PgActivitySampler.start(activityUrl, statementKind) : undefined;
  const job: LoadJob = { url: api.url, token: api.token, seconds, connections, kind: endpoint.kind, api: api.sealed ? SEALED : PLAINTEXT };
  const { result } = await timedRun(title, seconds, () => generator.run(job));
  const activity = await sampler?.stop();
  await sleep(LOAD_DRAIN_MS);
  await catchUp(api);
  const after = await serverCounters(api.owner);
  const run: Run = {
    ...result,
    ...(activity ? { activity } : {}),
    writeTransactions: Number(after.nextXid - before.nextXid),
    statements: after.statements - before.statements,
    cpuProcess: after.cpuProcess - before.cpuProcess,
    ...(after.cpuServer !== undefined && before.cpuServer !== undefined ? { cpuServer: after.cpuServer - before.cpuServer } : {}),
    walBytes: await walBytesBetween(api.owner, before.walLsn, after.walLsn),
  };
  log(
    `${title}: ${formatCount(requestRate(run))} req/s, p50 ${formatMs(percentileOf(run.latenciesMs, 0.5))}, p99 ${formatMs(percentileOf(run.latenciesMs, 0.99))}, ` +
      `${(run.statements / Math.max(1, run.ok)).toFixed(1)} statements and ${(run.writeTransactions / Math.max(1, run.ok)).toFixed(2)} write transactions per request` +
      failureNote(run) +
      (activity ? `; PostgreSQL: ${describeActivity(activity, 4)}` : ''),
  );
  return run;
}

/** Names the statements of the read path and of the in-process projector for the activity profile. */
function statementKind(query: string, waitEvent: string | null): string {
  const text = query.replace(/\s+/g, ' ').trim();
  const kind = /INSERT INTO ledger_events \(event_id/.test(text)
    ? 'append (the access record)'
    : /FROM ledger_events WHERE stream_id = \$1 AND stream_version/.test(text)
      ? 'readStream (stream head)'
      : /coalesce\(max\(stream_version\), 0\)/.test(text)
        ? 'streamVersion (registry check)'
        : /FROM subject_profile WHERE subject_id = \$1/.test(text)
          ? 'profile read'
          : /FROM subject_profile WHERE/.test(text)
            ? 'profile search'
            : /FROM vault_data_keys/.test(text)
              ? 'data keys (vault)'
              : /pg_notify/.test(text)
                ? 'NOTIFY'
                : /pg_snapshot_xmin\(pg_current_snapshot\(\)\) AS xmin/.test(text)
                  ? 'readGlobalBatch (projector)'
                  : /projection_checkpoints|projection_leases/.test(text)
                    ? 'projector bookkeeping'
                    : /audit_leaves|audit_nodes|audit_tree_heads|pg_advisory_xact_lock/.test(text)
                      ? 'audit tree (projector)'
                      : /access_log__g|daily_activity__g/.test(text)
                        ? 'read models (projector)'
                        : text.slice(0, 40);
  return waitEvent !== null && /^wal(sync|write)$/i.test(waitEvent) ? `${kind}, waiting for the WAL flush` : kind;
}

/**
 * The next transaction id to be assigned (only transactions that write, or NOTIFY, take one: each
 * of them commits through a WAL flush) and the WAL insert position, both of the whole server (the
 * other API is idle meanwhile). Both are read at once, unlike the cumulative statistics, which
 * backends publish late.
 */
async function serverCounters(owner: Client): Promise<ServerCounters> {
  const { rows } = await owner.query<{ xid: string; lsn: string }>(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid, pg_current_wal_insert_lsn()::text AS lsn`);
  return { nextXid: BigInt(rows[0].xid), walLsn: rows[0].lsn, statements: statementCounter.count, cpuProcess: processCpuSeconds(), cpuServer: await serverCpuSeconds(owner) };
}

async function walBytesBetween(owner: Client, from: string, to: string): Promise<number> {
  const { rows } = await owner.query<{ bytes: string }>(`SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::text AS bytes`, [from, to]);
  return Number(rows[0].bytes);
}

/** Guards the figures: every 2xx read or lookup counted on an API left its access record in that API's ledger (warm-ups add more). */
async function assertRecorded(api: Api, contenders: readonly Contender[], runs: readonly Run[][], index: number): Promise<number> {
  const { rows } = await api.owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'PersonalDataAccessed'`);
  const measured = sum(contenders.map((contender, at) => (contender.api === index && contender.endpoint.recordsAccess ? sum(runs[at].map((run) => run.ok)) : 0)));
  if (rows[0].n < measured) throw new Error(`${api.name}: ${measured} reads answered 2xx but only ${rows[0].n} access records in its ledger`);
  log(`checked, ${api.name}: ${formatCount(rows[0].n)} PersonalDataAccessed events for ${formatCount(measured)} measured 2xx reads and lookups (plus warm-ups and the smoke test)`);
  return rows[0].n;
}

async function liveDataKeys(owner: Client): Promise<number> {
  const { rows } = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM vault_data_keys WHERE wrapped_key IS NOT NULL`);
  return rows[0].n;
}

// ---------------------------------------------------------------------------------------------
// Reporting

function combine(runs: readonly Run[]): Run {
  return {
    ...combineLoads(runs),
    writeTransactions: sum(runs.map((run) => run.writeTransactions)),
    statements: sum(runs.map((run) => run.statements)),
    cpuProcess: sum(runs.map((run) => run.cpuProcess)),
    ...(runs.every((run) => run.cpuServer !== undefined) ? { cpuServer: sum(runs.map((run) => run.cpuServer ?? 0)) } : {}),
    walBytes: sum(runs.map((run) => run.walBytes)),
  };
}

const rate = requestRate;

/** CPU time of this process and PostgreSQL together per 2xx answer, in seconds; undefined when the server's is not known. */
const cpuPerRequest = (run: Run): number | undefined => (run.cpuServer === undefined ? undefined : (run.cpuProcess + run.cpuServer) / Math.max(1, run.ok));

/** How often a random subject's data keys are in the vault's cache, as the report says it. */
function cacheNote(setup: Setup): string {
  if (setup.dataKeys === 0 || setup.cachedKeys >= setup.dataKeys) return 'so every read found its keys there';
  const missed = 1 - setup.cachedKeys / setup.dataKeys;
  return `so about ${Math.round(missed * 100)}% of a random subject's keys are read from the database and unwrapped again`;
}

function renderReport(apis: readonly Api[], contenders: readonly Contender[], runs: readonly Run[][], settings: Settings, setup: Setup, database: BenchDatabase): string {
  const totals = runs.map(combine);
  const at = (api: number, endpoint: Endpoint) => contenders.findIndex((contender) => contender.api === api && contender.endpoint === endpoint);
  const live = at(SEALED, LIVE);
  const table = markdownTable(
    [
      'endpoint',
      'API',
      'requests',
      'req/s',
      'p50',
      'p99',
      'errors',
      'non-2xx',
      'sealed vs plaintext',
      'by round',
      'vs /health/live',
      'SQL / req',
      'write tx / req',
      'WAL / req',
      'CPU / req: Node',
      'CPU / req: PostgreSQL',
    ],
    contenders.map((contender, index) => {
      const total = totals[index];
      const baseline = contender.endpoint === LIVE ? -1 : at(PLAINTEXT, contender.endpoint);
      return [
        contender.endpoint === LIVE ? `${LIVE.name} (HTTP stack alone)` : contender.endpoint.name,
        apis[contender.api].name,
        formatCount(total.ok),
        formatCount(rate(total)),
        formatMs(percentileOf(total.latenciesMs, 0.5)),
        formatMs(percentileOf(total.latenciesMs, 0.99)),
        formatCount(total.errors),
        formatCount(total.non2xx),
        baseline === -1 ? '' : formatRatio(rate(total) / rate(totals[baseline])),
        baseline === -1 || baseline === index ? '' : roundRatios(runs[index].map(rate), runs[baseline].map(rate)),
        formatRatio(rate(total) / rate(totals[live])),
        (total.statements / Math.max(1, total.ok)).toFixed(1),
        (total.writeTransactions / Math.max(1, total.ok)).toFixed(2),
        `${formatCount(total.walBytes / Math.max(1, total.ok))} B`,
        `${Math.round((total.cpuProcess * 1e6) / Math.max(1, total.ok))} µs`,
        total.cpuServer === undefined ? '' : `${Math.round((total.cpuServer * 1e6) / Math.max(1, total.ok))} µs`,
      ];
    }),
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  const failures = sum(totals.map((total) => total.errors + total.non2xx));
  const diagnosis = settings.diagnose
    ? [
        '',
        "**Diagnosis** (`--diagnose`): every 20 ms of each measured run, the statements the database's backends were running " +
          '(pg_stat_activity), as shares of all active-backend observations, over all rounds:',
        '',
        ...contenders.map((contender, index) => {
          const merged = mergeActivity(runs[index].map((run) => run.activity));
          const name = contender.endpoint === LIVE ? LIVE.name : `${contender.endpoint.name}, ${apis[contender.api].name}`;
          return `- ${name}: ${merged.byKind.size === 0 ? 'no statement seen running' : describeActivity(merged, 5)}.`;
        }),
      ]
    : [];
  const verdicts = COMPARED.map((endpoint) => {
    const sealed = at(SEALED, endpoint);
    const plaintext = at(PLAINTEXT, endpoint);
    const ratio = rate(totals[sealed]) / rate(totals[plaintext]);
    const p = (index: number, fraction: number) => formatMs(percentileOf(totals[index].latenciesMs, fraction));
    return (
      `- ${endpoint.name}: sealed ${formatCount(rate(totals[sealed]))} req/s against plaintext ${formatCount(rate(totals[plaintext]))} req/s: ` +
      `**${formatRatio(ratio)}** (target ≥ ${formatRatio(TARGET_RATIO)}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}; by round ` +
      `${roundRatios(runs[sealed].map(rate), runs[plaintext].map(rate))}); p50 ${p(sealed, 0.5)} against ${p(plaintext, 0.5)}, ` +
      `p99 ${p(sealed, 0.99)} against ${p(plaintext, 0.99)}.`
    );
  });
  const cpuLines = COMPARED.flatMap((endpoint) => {
    const sealed = cpuPerRequest(totals[at(SEALED, endpoint)]);
    const plaintext = cpuPerRequest(totals[at(PLAINTEXT, endpoint)]);
    if (sealed === undefined || plaintext === undefined) return [];
    return [
      `- ${endpoint.name}: ${(sealed * 1000).toFixed(2)} ms of CPU per request sealed, ${(plaintext * 1000).toFixed(2)} ms plaintext ` +
        `(this process and PostgreSQL together), so at most ${formatCount(cpus().length / sealed)} and ${formatCount(cpus().length / plaintext)} ` +
        `req/s on this machine's ${cpus().length} cores.`,
    ];
  });
  return [
    '## Query throughput: reading subjects',
    '',
    `${environmentNote(database)} ${loadNote(setup.startLoad)}`,
    '',
    '```sh',
    'npm run bench:queries   # options: --subjects N (BENCH_SUBJECTS), --connections N, --seconds N, --rounds N, --warm-up N, --diagnose',
    '```',
    '',
    `Two APIs run in the benchmark's process, each listening on 127.0.0.1 over a fresh database of its own on the same server ` +
      `(the sealed rows of one cannot be read by the other), each with projections in-process, a pool of ${setup.poolSize} connections ` +
      `and the production logger configuration (info lines formatted, then dropped), and the per-account look-up limit and alerts off ` +
      `(one token drives the whole load). Each database holds ${formatCount(settings.subjects)} subjects registered through its API's ` +
      `\`POST /v1/subjects\` beforehand (the realistic customer file, each with its own ID number and phone: 7 events each, 5 data ` +
      `categories). autocannon, in a worker thread of the benchmark process, keeps ${settings.connections} HTTP/1.1 keep-alive ` +
      `connections busy as role \`staff\` with \`X-Processing-Purpose: ${PURPOSE}\` (the same headers on every endpoint). Each endpoint ` +
      `on each API warms up for ${settings.warmUp} s, then ${settings.rounds} round${settings.rounds === 1 ? '' : 's'} of ${settings.seconds} s per endpoint and API follow: ` +
      `the endpoints' order rotating, each endpoint measured on both APIs back to back, which API goes first alternating. Before each run ` +
      `the in-process projections are let catch up, so no run works off the previous one's backlog. Latencies are autocannon's ` +
      `per-request response times over all rounds.`,
    '',
    '- **plaintext (pass-through vault)** (the baseline): the same app module with `PII_VAULT` replaced by a vault that stores each ' +
      "value's JSON in base64 in an envelope of the real shape and size, in the log and in subject_profile alike: no data keys, no " +
      'cipher; blind indexes are a plain HMAC.',
    '- **sealed (PiiVault)**: `createLedgerApi`, the API as it ships: subject_profile keeps each category sealed (AES-256-GCM under the ' +
      "subject's data key for it), so a read opens the categories its purpose may read (its keys in one statement when not cached) and a lookup its identity and contact; data keys are " +
      `unwrapped on first use and kept in the vault's LRU cache: at the end it held ${formatCount(setup.cachedKeys)} of the ` +
      `${formatCount(setup.dataKeys)} data keys in the database, ${cacheNote(setup)}.`,
    '',
    `- **${LIVE.name}** (on the sealed API): the HTTP stack alone (Fastify, Nest routing, the global access guard, which lets non-/v1 ` +
      'routes through), no database: it places the figures on this machine.',
    "- **GET /v1/subjects/{id}**: a random subject: token verified, the stream's last event and the subject_profile row read, its " +
      'categories opened, filtered by purpose and consent, values masked, and the read recorded (a `PersonalDataAccessed` event ' +
      'appended, one commit, before the answer).',
    "- **GET /v1/subjects?phone=…**: a random subject's phone typed as digits only (it was registered as `139 xxxx xxxx`): the blind " +
      'index (HMAC of the normalised number), an index lookup in subject_profile, name and phone opened for a masked summary, and the ' +
      'access recorded.',
    '',
    "*SQL / req* counts the statements the apps' pg clients sent (the request path and the in-process projectors, BEGIN and " +
      "COMMIT included; the benchmark's own connections excluded) from the start of a run until the projections had applied all " +
      'its events, per 2xx answer; *write tx / req* the transactions that took a transaction id (each commits through a WAL flush: ' +
      "the access record's append, the projections' batches that advance a checkpoint, NOTIFYs) over the same span; *WAL / req* the " +
      "WAL written; *CPU / req* the CPU time (user + system) of this process (the APIs, the projectors, and autocannon's worker " +
      "thread) and of the PostgreSQL server's processes (from /proc) over the same span. The API not measured is idle meanwhile.",
    '',
    table,
    '',
    ...verdicts,
    ...cpuLines,
    `- Failed requests: ${failures} (must be 0). Access records in the ledgers at the end: ${formatCount(setup.accessEvents[SEALED])} ` +
      `sealed, ${formatCount(setup.accessEvents[PLAINTEXT])} plaintext, at least one per 2xx read.`,
    ...diagnosis,
  ].join('\n');
}
