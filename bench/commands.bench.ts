/**
 * `npm run bench:commands`: `POST /v1/subjects` through the real API, listening on 127.0.0.1, with
 * autocannon at N concurrent connections (default 16), every request registering a different
 * subject; against the same registrations through the same app with the PII vault replaced by a
 * pass-through one (no encryption, no data keys), in the same run, on the same database.
 *
 * The load generator runs in a worker thread of this process (this same file), so it has an event
 * loop of its own and does not queue behind the API's.
 *
 * Options: --connections N (BENCH_CONNECTIONS, default 16), --seconds N per measured run
 * (BENCH_SECONDS, default 4), --rounds N (BENCH_ROUNDS, default 4: each API once per round, the
 * order alternating), --warm-up N seconds per API (BENCH_WARM_UP, default 3).
 */
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client as PgClient } from 'pg';
import { createLedgerApi } from '../apps/ledger-api/src/ledger-api';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { loadConfig } from '@pi-ledger/platform/config/ledger-config';
import {
  apiConfig,
  assertNoFailedRequests,
  BenchDatabase,
  combineLoads,
  createPlaintextLedgerApi,
  Defer,
  environmentNote,
  failureNote,
  formatCount,
  formatMs,
  formatRatio,
  listenOnLoopback,
  LOAD_DRAIN_MS,
  LoadResult,
  LoadSettings,
  loadSettings,
  LoadWorker,
  loadAverage,
  loadNote,
  log,
  markdownTable,
  openBenchDatabase,
  percentileOf,
  PLAINTEXT_KID,
  processCpuSeconds,
  realisticRegistration,
  requestRate,
  rotation,
  roundRatios,
  runAutocannon,
  runLoadBench,
  serverCpuSeconds,
  serviceLogger,
  startingApp,
  sum,
  timedRun,
  writeDocSection,
} from './bench-support';

const TARGET_RATIO = 0.8;
/** The data categories of one registration, each sealed under its own data key by the real vault. */
const CATEGORIES = ['identity', 'identity_document', 'contact', 'employment', 'health'];
/** Registrations, sent one at a time, over which the SQL statements per registration are counted. */
const STATEMENT_SAMPLE = 10;

type Settings = LoadSettings;

/** What the report says about the setup besides the settings. */
interface Setup {
  poolSize: number;
  /** The stream version after one registration: the events it appends. */
  eventsPerRegistration: number;
  /** The load average when the run started. */
  startLoad: number;
}

// ---------------------------------------------------------------------------------------------
// The load worker

interface LoadJob {
  url: string;
  token: string;
  seconds: number;
  connections: number;
  /** Subject numbers from here on are unused. */
  firstSubject: number;
}

interface RegistrationLoad extends LoadResult {
  /** Subject numbers used: the next job starts after them. */
  subjectsUsed: number;
}

/** In the worker: each request registers a subject of its own, numbered from `firstSubject` on. */
async function load(job: LoadJob): Promise<RegistrationLoad> {
  let next = job.firstSubject;
  const result = await runAutocannon({
    url: job.url,
    connections: job.connections,
    seconds: job.seconds,
    method: 'POST',
    path: '/v1/subjects',
    headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' },
    eachRequest: () => ({ body: JSON.stringify(realisticRegistration(next++)) }),
  });
  return { ...result, subjectsUsed: next - job.firstSubject };
}

/** The load worker, and the subject numbers no request has used yet. */
class LoadGenerator {
  private nextSubject = 1;

  constructor(private readonly worker: LoadWorker<LoadJob, RegistrationLoad>) {}

  /** A subject number no request has used, for requests sent outside autocannon. */
  takeSubject(): number {
    return this.nextSubject++;
  }

  async run(job: Omit<LoadJob, 'firstSubject'>): Promise<LoadResult> {
    const { subjectsUsed, ...result } = await this.worker.run({ ...job, firstSubject: this.nextSubject });
    this.nextSubject += subjectsUsed;
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// Running

interface Api {
  readonly name: string;
  readonly encrypted: boolean;
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly token: string;
  /** Measured before the load: SQL statements per registration. */
  statements?: number;
}

interface Run extends LoadResult {
  /** CPU seconds of this process (the API and the load generator's thread) during the run. */
  cpuProcess: number;
  /** CPU seconds of the PostgreSQL server's processes during the run; undefined when not on this machine. */
  cpuServer?: number;
}

runLoadBench(main, load);

async function main(defer: Defer): Promise<void> {
  const startLoad = loadAverage();
  const settings: Settings = loadSettings({ connections: 16, seconds: 4, rounds: 4, warmUp: 3 });
  const database = await openBenchDatabase(defer);
  // the command path only: projections (where the build has them) run in other processes
  const config = await apiConfig(database, defer, loadConfig({ LEDGER_PROJECTOR: 'external' }));
  const logger = serviceLogger();

  log('starting the API with the PII vault');
  const encrypted = await listening('encrypted (PiiVault)', true, await startingApp(() => createLedgerApi(config, logger)), defer);
  log('starting the API with the pass-through vault');
  const plaintext = await listening('plaintext (pass-through vault)', false, await startingApp(() => createPlaintextLedgerApi(config, logger)), defer);
  const apis = [plaintext, encrypted]; // the first is the baseline

  const generator = new LoadGenerator(await LoadWorker.start<LoadJob, RegistrationLoad>(__filename, defer));
  let eventsPerRegistration = 0;
  for (const api of apis) {
    eventsPerRegistration = await smokeTest(api, generator, database);
    api.statements = await statementsPerRegistration(api, generator);
  }

  for (const api of apis) {
    await measure(api, generator, settings.warmUp, settings.connections, `warm-up, ${api.name}`);
  }
  const runs: Run[][] = apis.map(() => []);
  const owner = await database.ownerClient();
  defer(() => owner.end());
  for (let round = 0; round < settings.rounds; round++) {
    for (const index of rotation(round, apis.length)) {
      const title = `round ${round + 1}/${settings.rounds}, ${apis[index].name}`;
      runs[index].push(await measure(apis[index], generator, settings.seconds, settings.connections, title, owner));
    }
  }
  await assertRegistered(database, runs[apis.indexOf(plaintext)], runs[apis.indexOf(encrypted)]);

  const report = renderReport(apis, runs, settings, { poolSize: config.dbPoolSize, eventsPerRegistration, startLoad }, database);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('commands', report)}`);
  assertNoFailedRequests(runs.flat());
}

/** Listening on a free loopback port; closed (pool ended) before the database goes. */
async function listening(name: string, encrypted: boolean, app: NestFastifyApplication, defer: Defer): Promise<Api> {
  const url = await listenOnLoopback(app, defer);
  const token = await app.get(TokenService).sign({ sub: 'staff-bench', roles: ['staff'] });
  return { name, encrypted, app, url, token };
}

/** One registration outside the measurement, which must succeed. */
async function register(api: Api, generator: LoadGenerator): Promise<{ subjectId: string; version: number }> {
  const response = await fetch(`${api.url}/v1/subjects`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(realisticRegistration(generator.takeSubject())),
  });
  const body = (await response.json()) as { subjectId?: string; version?: number };
  if (response.status !== 201 || !body.subjectId || !body.version) throw new Error(`${api.name}: registration answered ${response.status} ${JSON.stringify(body)}`);
  return { subjectId: body.subjectId, version: body.version };
}

/**
 * SQL statements sent per registration, over a few registered one after another while nothing
 * else runs: every statement of the process passes through pg's Client#query (a pool's too).
 */
async function statementsPerRegistration(api: Api, generator: LoadGenerator): Promise<number> {
  const prototype = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let statements = 0;
  prototype.query = function (this: PgClient, ...args: unknown[]) {
    statements++;
    return original.apply(this, args);
  };
  try {
    for (let index = 0; index < STATEMENT_SAMPLE; index++) await register(api, generator);
  } finally {
    prototype.query = original;
  }
  return statements / STATEMENT_SAMPLE;
}

/** A registration whose data must be stored as the API claims (sealed, or in clear); returns its events. */
async function smokeTest(api: Api, generator: LoadGenerator, database: BenchDatabase): Promise<number> {
  const body = await register(api, generator);
  const owner = await database.ownerClient();
  const { rows } = await owner.query<{ category: string; kid: string }>(
    `SELECT data->>'category' AS category, data->'fields'->(SELECT min(k) FROM jsonb_object_keys(data->'fields') AS k)->>'kid' AS kid
       FROM ledger_events WHERE stream_id = $1 AND type = 'DataCollected' ORDER BY category`,
    [`subject-${body.subjectId}`],
  );
  const categories = rows.map((row) => row.category);
  if (categories.join() !== [...CATEGORIES].sort().join()) throw new Error(`${api.name}: collected ${categories.join()} instead of ${CATEGORIES.join()}`);
  const clear = rows.filter((row) => row.kid === PLAINTEXT_KID).length;
  if (clear !== (api.encrypted ? 0 : rows.length)) throw new Error(`${api.name}: ${clear} of ${rows.length} categories stored with the pass-through vault`);
  return body.version;
}

/** One autocannon run against one API, then a pause for the requests left in flight. */
async function measure(api: Api, generator: LoadGenerator, seconds: number, connections: number, title: string, owner?: Pick<PgClient, 'query'>): Promise<Run> {
  const cpuBefore = { process: processCpuSeconds(), server: owner && (await serverCpuSeconds(owner)) };
  const { result } = await timedRun(title, seconds, () => generator.run({ url: api.url, token: api.token, seconds, connections }));
  const cpuProcess = processCpuSeconds() - cpuBefore.process;
  const serverAfter = owner && (await serverCpuSeconds(owner));
  const run: Run = {
    ...result,
    cpuProcess,
    ...(serverAfter !== undefined && cpuBefore.server !== undefined ? { cpuServer: serverAfter - cpuBefore.server } : {}),
  };
  log(`${title}: ${formatCount(requestRate(run))} req/s${failureNote(run)}`);
  await sleep(LOAD_DRAIN_MS);
  return run;
}

/**
 * Guards the figures: every 2xx counted is a subject in the ledger, registered through the API it
 * was counted for (in-flight requests at the end of a run may add a few more), and the encrypted
 * one's data keys exist.
 */
async function assertRegistered(database: BenchDatabase, plaintextRuns: readonly Run[], encryptedRuns: readonly Run[]): Promise<void> {
  const owner = await database.ownerClient();
  const { rows } = await owner.query<{ clear: number; sealed: number; keys: number; id_numbers: number }>(
    `SELECT count(*) FILTER (WHERE data->'fields'->'name'->>'kid' = $1)::int AS clear,
            count(*) FILTER (WHERE data->'fields'->'name'->>'kid' <> $1)::int AS sealed,
            (SELECT count(*)::int FROM vault_data_keys) AS keys,
            (SELECT count(*)::int FROM subject_id_numbers) AS id_numbers
       FROM ledger_events WHERE type = 'DataCollected' AND data->>'category' = 'identity'`,
    [PLAINTEXT_KID],
  );
  const { clear, sealed, keys, id_numbers: idNumbers } = rows[0];
  const measuredClear = sum(plaintextRuns.map((run) => run.ok));
  const measuredSealed = sum(encryptedRuns.map((run) => run.ok));
  if (clear < measuredClear) throw new Error(`${measuredClear} plaintext registrations measured, ${clear} in the ledger`);
  if (sealed < measuredSealed) throw new Error(`${measuredSealed} encrypted registrations measured, ${sealed} in the ledger`);
  if (keys < sealed * CATEGORIES.length) throw new Error(`${sealed} encrypted registrations but only ${keys} data keys`);
  if (idNumbers !== clear + sealed) throw new Error(`${clear + sealed} subjects but ${idNumbers} reserved ID numbers`);
  log(`checked: ${formatCount(clear + sealed)} subjects registered (${formatCount(sealed)} encrypted, ${formatCount(keys)} data keys), each with its own ID number`);
}

// ---------------------------------------------------------------------------------------------
// Reporting

function combine(runs: readonly Run[]): Run {
  return {
    ...combineLoads(runs),
    cpuProcess: sum(runs.map((run) => run.cpuProcess)),
    ...(runs.every((run) => run.cpuServer !== undefined) ? { cpuServer: sum(runs.map((run) => run.cpuServer ?? 0)) } : {}),
  };
}

/** CPU time per 2xx answer, in µs. */
const cpuPerRegistration = (seconds: number | undefined, run: Run): string => (seconds === undefined ? '' : `${formatCount((seconds * 1e6) / Math.max(1, run.ok))} µs`);

const rate = requestRate;

function renderReport(apis: readonly Api[], runs: readonly Run[][], settings: Settings, setup: Setup, database: BenchDatabase): string {
  const totals = runs.map(combine);
  const table = markdownTable(
    [
      'API',
      'SQL statements / registration',
      'registrations',
      'req/s',
      'p50',
      'p99',
      'errors',
      'non-2xx',
      'vs plaintext',
      'by round',
      'CPU / registration: Node',
      'CPU / registration: PostgreSQL',
    ],
    apis.map((api, index) => [
      api.name,
      (api.statements ?? NaN).toFixed(1),
      formatCount(totals[index].ok),
      formatCount(rate(totals[index])),
      formatMs(percentileOf(totals[index].latenciesMs, 0.5)),
      formatMs(percentileOf(totals[index].latenciesMs, 0.99)),
      formatCount(totals[index].errors),
      formatCount(totals[index].non2xx),
      formatRatio(rate(totals[index]) / rate(totals[0])),
      index === 0 ? '' : roundRatios(runs[index].map(rate), runs[0].map(rate)),
      cpuPerRegistration(totals[index].cpuProcess, totals[index]),
      cpuPerRegistration(totals[index].cpuServer, totals[index]),
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'right'],
  );
  const ratio = rate(totals[1]) / rate(totals[0]);
  const failures = sum(totals.map((total) => total.errors + total.non2xx));
  const bodyBytes = Buffer.byteLength(JSON.stringify(realisticRegistration(1)));
  return [
    '## Command throughput: registering subjects',
    '',
    `${environmentNote(database)} ${loadNote(setup.startLoad)}`,
    '',
    '```sh',
    'npm run bench:commands   # options: --connections N (BENCH_CONNECTIONS), --seconds N, --rounds N, --warm-up N',
    '```',
    '',
    `\`POST /v1/subjects\` over HTTP/1.1 keep-alive to the real API listening on 127.0.0.1, driven by autocannon at ` +
      `${settings.connections} concurrent connections from a worker thread of the benchmark process, as role \`staff\` ` +
      `(a token from the app's own TokenService). Each request registers a different subject: a realistic customer file ` +
      `(≈${bodyBytes} bytes of JSON: identity, resident ID document, contact, employment and health data, one consent), ` +
      `each with its own resident ID number (valid GB 11643 check character, birth date matching identity.birthDate) and ` +
      `phone number. Each registration appends ${setup.eventsPerRegistration} events and collects ${CATEGORIES.length} data categories. Both APIs run ` +
      `in the same process on the same scratch database, each with its own pool of ${setup.poolSize} connections (the default) and the ` +
      `production logger configuration (info lines are formatted, then dropped); projections do not run in it ` +
      `(\`LEDGER_PROJECTOR=external\`), so the figures are those of the command path alone. Each API warms up for ${settings.warmUp} s, ` +
      `then ${settings.rounds} rounds of ${settings.seconds} s per API follow, alternating which goes first; latencies are ` +
      `autocannon's per-request response times over all rounds. *CPU / registration*: CPU time (user + system) per 2xx ` +
      `answer over the measured runs, of this process (the API and autocannon's thread) and of the PostgreSQL server's ` +
      `processes (from /proc).`,
    '',
    '- **plaintext (pass-through vault)** (the baseline): the same app module with `PII_VAULT` replaced by a vault that ' +
      "stores each value's JSON in base64 in an envelope of the real shape and size: no data keys, no cipher; blind " +
      'indexes are a plain HMAC.',
    '- **encrypted (PiiVault)**: `createLedgerApi`, the API as it ships: a data key per subject × category (a new ' +
      "subject's made and wrapped together, and stored by the append of its first events, in its statement) and " +
      'AES-256-GCM per field.',
    '',
    table,
    '',
    `- Encrypted registrations reach ${formatRatio(ratio)} of the plaintext rate ` +
      `(target ≥ ${formatRatio(TARGET_RATIO)}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}); ` +
      `failed requests: ${failures} (must be 0).`,
    `- SQL statements per registration (counted over ${STATEMENT_SAMPLE} registrations sent one at a time before the load): ` +
      `${(apis[1].statements ?? NaN).toFixed(1)} encrypted against ${(apis[0].statements ?? NaN).toFixed(1)} plaintext. ` +
      `The vault adds no statement: a new subject's data keys are made and wrapped together, and stored as one row ` +
      `(\`vault_subject_keys\`) by the append of its events, in the same statement and transaction ` +
      `(\`ledger-append-batch+vault-subject-keys\`); what differs is the \`pg_notify\` that wakes subscribers after ` +
      `appends, which coalesces and so varies with timing.`,
  ].join('\n');
}
