/**
 * `npm run bench:queries`: the read side of the real API, listening on 127.0.0.1, under autocannon
 * at 32 concurrent connections: `GET /v1/subjects/{id}` over random subjects and the phone lookup
 * `GET /v1/subjects?phone=…`, each recording its access (a PersonalDataAccessed event appended
 * before the answer); against `GET /health/live` on the same app in the same run, the HTTP stack
 * alone (Fastify, Nest, the global guard and interceptors), so the ratios compare across machines.
 *
 * The app is `createLedgerApi` as it ships, projections in-process, on a fresh database holding
 * --subjects realistic subjects registered through `POST /v1/subjects` first.
 *
 * The load generator runs in a worker thread of this process (this same file), with an event loop
 * of its own.
 *
 * Options: --subjects N (BENCH_SUBJECTS, default 10,000), --connections N (BENCH_CONNECTIONS,
 * default 32), --seconds N per measured run (BENCH_SECONDS, default 8), --rounds N (BENCH_ROUNDS,
 * default 2: each endpoint once per round, the order rotating), --warm-up N seconds per endpoint
 * (BENCH_WARM_UP, default 3).
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
import {
  ActivityProfile,
  apiConfig,
  assertNoFailedRequests,
  BenchDatabase,
  combineLoads,
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
/** Concurrent registrations while filling the ledger (not measured). */
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

const ENDPOINTS: readonly Endpoint[] = [
  { kind: 'live', name: 'GET /health/live (baseline)', recordsAccess: false },
  { kind: 'read', name: 'GET /v1/subjects/{id}', recordsAccess: true },
  { kind: 'phone', name: 'GET /v1/subjects?phone=…', recordsAccess: true },
];

interface Settings extends LoadSettings {
  /** --diagnose: sample what PostgreSQL is busy with during each measured run. */
  diagnose: boolean;
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
}

/** The subjects the worker picks from, handed over once as its workerData. */
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

/** In the worker: each request picks a random subject. */
function load(job: LoadJob): Promise<LoadResult> {
  const subjects = workerData as Subjects;
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
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly token: string;
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

runLoadBench(main, load);

async function main(defer: Defer): Promise<void> {
  const settings: Settings = {
    diagnose: process.argv.includes('--diagnose') || process.env.BENCH_DIAGNOSE === '1',
    subjects: intOption('subjects', 'BENCH_SUBJECTS', 10_000),
    ...loadSettings({ connections: 32, seconds: 8, rounds: 2, warmUp: 3 }),
  };
  const database = await openBenchDatabase(defer);
  const owner = await database.ownerClient();
  statementCounter.excluded.add(owner);
  statementCounter.install();
  // the API as it ships by default: projections run in-process
  // one token drives the whole load: the per-actor look-up limit and alerts would measure 429s instead
  const config = await apiConfig(database, defer, loadConfig({ LEDGER_LOOKUP_LIMIT_PER_MINUTE: '0', LEDGER_LOOKUP_ALERT_PER_HOUR: '0' }));
  if (config.projector !== 'in-process') throw new Error('expected the default in-process projector');

  log('starting the API');
  const api = await listening(await startingApp(() => createLedgerApi(config, serviceLogger())), defer);
  const subjects = await registerSubjects(api, settings.subjects);
  await catchUp(owner);
  await smokeTest(api, subjects);

  const generator = await LoadWorker.start<LoadJob, LoadResult>(__filename, defer, subjects);
  for (const endpoint of ENDPOINTS) {
    await measure(api, generator, owner, endpoint, settings.warmUp, settings.connections, `warm-up, ${endpoint.name}`, undefined);
  }
  const runs: Run[][] = ENDPOINTS.map(() => []);
  for (let round = 0; round < settings.rounds; round++) {
    for (const index of rotation(round, ENDPOINTS.length)) {
      const title = `round ${round + 1}/${settings.rounds}, ${ENDPOINTS[index].name}`;
      runs[index].push(await measure(api, generator, owner, ENDPOINTS[index], settings.seconds, settings.connections, title, settings.diagnose ? database.url : undefined));
    }
  }
  const accessEvents = await assertRecorded(owner, runs);

  const report = renderReport(runs, settings, config.dbPoolSize, accessEvents, database);
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('queries', report)}`);
  assertNoFailedRequests(runs.flat());
}

/** Listening on a free loopback port; closed (projector stopped, pool ended) before the database goes. */
async function listening(app: NestFastifyApplication, defer: Defer): Promise<Api> {
  const url = await listenOnLoopback(app, defer);
  const token = await app.get(TokenService).sign({ sub: 'staff-bench', roles: ['staff'] });
  return { app, url, token };
}

/** Registers subjects 0 .. count-1 through `POST /v1/subjects` (each with its own ID number and phone); not measured. */
async function registerSubjects(api: Api, count: number): Promise<Subjects> {
  const ids: string[] = new Array(count);
  const bar = progress(`registering ${formatCount(count)} subjects through the API`, count, 'subjects');
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
          if (response.status !== 201 || !body.subjectId) throw new Error(`registration ${n} answered ${response.status} ${JSON.stringify(body)}`);
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
 * Waits until every projection has applied every event: the in-process projector then has no
 * backlog left from the previous run to work through during the next one.
 */
function catchUp(owner: Client): Promise<void> {
  return waitForProjections(owner, { timeoutMs: CATCH_UP_TIMEOUT_MS, pollMs: 200 });
}

/** One request of each kind outside the measurement: each must answer 200 with the subject asked for. */
async function smokeTest(api: Api, subjects: Subjects): Promise<void> {
  const n = subjects.ids.length - 1;
  const headers = { authorization: `Bearer ${api.token}`, 'x-processing-purpose': PURPOSE };
  const read = await fetch(`${api.url}/v1/subjects/${subjects.ids[n]}`, { headers });
  const profile = (await read.json()) as { subjectId?: string; data?: { contact?: { phone?: string } } };
  if (read.status !== 200 || profile.subjectId !== subjects.ids[n] || !profile.data?.contact?.phone) {
    throw new Error(`GET /v1/subjects/{id} answered ${read.status} ${JSON.stringify(profile).slice(0, 400)}`);
  }
  const search = await fetch(`${api.url}/v1/subjects?phone=${encodeURIComponent(subjects.phones[n])}`, { headers });
  const found = (await search.json()) as { items?: { subjectId: string }[] };
  if (search.status !== 200 || found.items?.length !== 1 || found.items[0].subjectId !== subjects.ids[n]) {
    throw new Error(`GET /v1/subjects?phone= answered ${search.status} ${JSON.stringify(found).slice(0, 400)}`);
  }
  const live = await fetch(`${api.url}/health/live`, { headers });
  if (live.status !== 200) throw new Error(`GET /health/live answered ${live.status}`);
}

/** One autocannon run against one endpoint after the projections caught up, then a pause for the requests left in flight. */
async function measure(
  api: Api,
  generator: LoadWorker<LoadJob, LoadResult>,
  owner: Client,
  endpoint: Endpoint,
  seconds: number,
  connections: number,
  title: string,
  activityUrl: string | undefined,
): Promise<Run> {
  await catchUp(owner);
  const before = await serverCounters(owner);
  const sampler = activityUrl ? await PgActivitySampler.start(activityUrl, statementKind) : undefined;
  const { result } = await timedRun(title, seconds, () => generator.run({ url: api.url, token: api.token, seconds, connections, kind: endpoint.kind }));
  const activity = await sampler?.stop();
  await sleep(LOAD_DRAIN_MS);
  await catchUp(owner);
  const after = await serverCounters(owner);
  const run: Run = {
    ...result,
    ...(activity ? { activity } : {}),
    writeTransactions: Number(after.nextXid - before.nextXid),
    statements: after.statements - before.statements,
    cpuProcess: after.cpuProcess - before.cpuProcess,
    ...(after.cpuServer !== undefined && before.cpuServer !== undefined ? { cpuServer: after.cpuServer - before.cpuServer } : {}),
    walBytes: await walBytesBetween(owner, before.walLsn, after.walLsn),
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
 * of them commits through a WAL flush) and the WAL insert position. Both are read at once, unlike
 * the cumulative statistics, which backends publish late.
 */
async function serverCounters(owner: Client): Promise<ServerCounters> {
  const { rows } = await owner.query<{ xid: string; lsn: string }>(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid, pg_current_wal_insert_lsn()::text AS lsn`);
  return { nextXid: BigInt(rows[0].xid), walLsn: rows[0].lsn, statements: statementCounter.count, cpuProcess: processCpuSeconds(), cpuServer: await serverCpuSeconds(owner) };
}

async function walBytesBetween(owner: Client, from: string, to: string): Promise<number> {
  const { rows } = await owner.query<{ bytes: string }>(`SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::text AS bytes`, [from, to]);
  return Number(rows[0].bytes);
}

/** Guards the figures: every 2xx read or lookup counted left its access record in the ledger (warm-ups add more). */
async function assertRecorded(owner: Client, runs: readonly Run[][]): Promise<number> {
  const { rows } = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'PersonalDataAccessed'`);
  const measured = ENDPOINTS.reduce((total, endpoint, index) => total + (endpoint.recordsAccess ? sum(runs[index].map((run) => run.ok)) : 0), 0);
  if (rows[0].n < measured) throw new Error(`${measured} reads answered 2xx but only ${rows[0].n} access records in the ledger`);
  log(`checked: ${formatCount(rows[0].n)} PersonalDataAccessed events for ${formatCount(measured)} measured 2xx reads and lookups (plus warm-ups and the smoke test)`);
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

function renderReport(runs: readonly Run[][], settings: Settings, poolSize: number, accessEvents: number, database: BenchDatabase): string {
  const totals = runs.map(combine);
  const table = markdownTable(
    [
      'endpoint',
      'requests',
      'req/s',
      'p50',
      'p99',
      'errors',
      'non-2xx',
      'vs /health/live',
      'by round',
      'SQL / req',
      'write tx / req',
      'WAL / req',
      'CPU / req: Node',
      'CPU / req: PostgreSQL',
    ],
    ENDPOINTS.map((endpoint, index) => [
      endpoint.name,
      formatCount(totals[index].ok),
      formatCount(rate(totals[index])),
      formatMs(percentileOf(totals[index].latenciesMs, 0.5)),
      formatMs(percentileOf(totals[index].latenciesMs, 0.99)),
      formatCount(totals[index].errors),
      formatCount(totals[index].non2xx),
      formatRatio(rate(totals[index]) / rate(totals[0])),
      index === 0 ? '' : roundRatios(runs[index].map(rate), runs[0].map(rate)),
      (totals[index].statements / Math.max(1, totals[index].ok)).toFixed(1),
      (totals[index].writeTransactions / Math.max(1, totals[index].ok)).toFixed(2),
      `${formatCount(totals[index].walBytes / Math.max(1, totals[index].ok))} B`,
      `${Math.round((totals[index].cpuProcess * 1e6) / Math.max(1, totals[index].ok))} µs`,
      totals[index].cpuServer === undefined ? '' : `${Math.round((totals[index].cpuServer * 1e6) / Math.max(1, totals[index].ok))} µs`,
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'right'],
  );
  const failures = sum(totals.map((total) => total.errors + total.non2xx));
  const diagnosis = settings.diagnose
    ? [
        '',
        "**Diagnosis** (`--diagnose`): every 20 ms of each measured run, the statements the database's backends were running " +
          '(pg_stat_activity), as shares of all active-backend observations, over all rounds:',
        '',
        ...ENDPOINTS.map((endpoint, index) => {
          const merged = mergeActivity(runs[index].map((run) => run.activity));
          return `- ${endpoint.name}: ${merged.byKind.size === 0 ? 'no statement seen running' : describeActivity(merged, 5)}.`;
        }),
      ]
    : [];
  const verdicts = ENDPOINTS.slice(1).map((endpoint, offset) => {
    const index = offset + 1;
    return (
      `- ${endpoint.name}: ${formatCount(rate(totals[index]))} req/s, ${formatRatio(rate(totals[index]) / rate(totals[0]))} of the HTTP stack alone; ` +
      `p50 ${formatMs(percentileOf(totals[index].latenciesMs, 0.5))}, p99 ${formatMs(percentileOf(totals[index].latenciesMs, 0.99))}.`
    );
  });
  return [
    '## Query throughput: reading subjects',
    '',
    environmentNote(database),
    '',
    '```sh',
    'npm run bench:queries   # options: --subjects N (BENCH_SUBJECTS), --connections N, --seconds N, --rounds N, --warm-up N, --diagnose',
    '```',
    '',
    `The real API (\`createLedgerApi\`, as it ships: projections in-process, a pool of ${poolSize} connections, the production logger ` +
      `configuration with info lines formatted, then dropped) listens on 127.0.0.1 over a fresh database holding ` +
      `${formatCount(settings.subjects)} subjects registered through \`POST /v1/subjects\` beforehand (the realistic customer file, each ` +
      `with its own ID number and phone: 7 events each, 5 data categories sealed). autocannon, in a worker thread of the benchmark ` +
      `process, keeps ${settings.connections} HTTP/1.1 keep-alive connections busy as role \`staff\` with \`X-Processing-Purpose: ${PURPOSE}\` ` +
      `(the same headers on every endpoint). Each endpoint warms up for ${settings.warmUp} s, then ${settings.rounds} rounds of ` +
      `${settings.seconds} s per endpoint follow, the order rotating; before each run the in-process projections are let catch up, ` +
      `so no run works off the previous one's backlog. Latencies are autocannon's per-request response times over all rounds.`,
    '',
    '- **GET /health/live** (the baseline): the HTTP stack alone (Fastify, Nest routing, the global access guard, which lets ' + 'non-/v1 routes through), no database.',
    "- **GET /v1/subjects/{id}**: a random subject: token verified, the stream's last event and the subject_profile row read, " +
      'categories filtered by purpose and consent, values masked, and the read recorded (a `PersonalDataAccessed` event appended, ' +
      'one commit, before the answer).',
    "- **GET /v1/subjects?phone=…**: a random subject's phone typed as digits only (it was registered as `139 xxxx xxxx`): the " +
      'blind index (HMAC of the normalised number), an index lookup in subject_profile, a masked summary, and the access recorded.',
    '',
    "*SQL / req* counts the statements the app's pg clients sent (the request path and the in-process projector, BEGIN and " +
      "COMMIT included; the benchmark's own connection excluded) from the start of a run until the projections had applied all " +
      'its events, per 2xx answer; *write tx / req* the transactions that took a transaction id (each commits through a WAL flush: the access ' +
      "record's append, the projections' batches that advance a checkpoint, NOTIFYs) over the same span; *WAL / req* the WAL written; *CPU / req* " +
      "the CPU time (user + system) of this process (the API, the projector, and autocannon's worker thread) and of the PostgreSQL " +
      "server's processes (from /proc) over the same span.",
    '',
    table,
    '',
    ...verdicts,
    ...ENDPOINTS.slice(1)
      .map((endpoint, offset) => {
        const total = totals[offset + 1];
        if (total.cpuServer === undefined) return '';
        const perRequest = (total.cpuProcess + total.cpuServer) / Math.max(1, total.ok);
        return (
          `- ${endpoint.name}: ${(perRequest * 1000).toFixed(2)} ms of CPU per request (this process and PostgreSQL together), so at most ` +
          `${formatCount(cpus().length / perRequest)} req/s on this machine's ${cpus().length} cores; ${formatCount(rate(total))} req/s measured.`
        );
      })
      .filter((line) => line !== ''),
    `- Failed requests: ${failures} (must be 0). Access records in the ledger at the end: ${formatCount(accessEvents)}, at least one per 2xx read.`,
    ...diagnosis,
  ].join('\n');
}
