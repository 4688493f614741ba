/**
 * `npm run bench:service`: recording a service visit with its follow-up task over HTTP (issue #14,
 * Performance): `POST /v1/subjects/{id}/service-records` then `POST /v1/subjects/{id}/follow-ups`,
 * alternating on each connection, against registrations (`POST /v1/subjects`, what bench:commands
 * measures) through the same API, in the same run, on the same database, at N connections.
 *
 * Options: --connections N (BENCH_CONNECTIONS, default 16), --seconds N per measured run
 * (BENCH_SECONDS, default 4), --rounds N (BENCH_ROUNDS, default 3), --warm-up N seconds per load
 * (BENCH_WARM_UP, default 2), --customers N (BENCH_CUSTOMERS, default 64) the visits are spread over.
 */
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLedgerApi } from '../apps/ledger-api/src/ledger-api';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { loadConfig } from '@pi-ledger/platform/config/ledger-config';
import {
  apiConfig,
  assertNoFailedRequests,
  combineLoads,
  Defer,
  environmentNote,
  failureNote,
  formatCount,
  formatMs,
  formatRatio,
  intOption,
  listenOnLoopback,
  LOAD_DRAIN_MS,
  LoadResult,
  loadAverage,
  loadNote,
  loadSettings,
  LoadWorker,
  log,
  markdownTable,
  openBenchDatabase,
  percentileOf,
  postForId,
  realisticRegistration,
  requestRate,
  rotation,
  roundRatios,
  runAutocannon,
  runLoadBench,
  serviceLogger,
  startingApp,
  timedRun,
  writeDocSection,
} from './bench-support';

const TARGET_RATIO = 0.8;
const HM = 'health-management';
const SERVICE_DATE = '2026-01-05';

interface LoadJob {
  kind: 'registration' | 'service';
  url: string;
  token: string;
  seconds: number;
  connections: number;
  /** registration: subject numbers from here on are unused; service: the customers visited. */
  firstSubject: number;
  customers: string[];
}

interface JobResult extends LoadResult {
  subjectsUsed: number;
}

/** In the worker: a registration per request, or a visit as two requests (the service, then its follow-up) round-robin over the customers. */
async function load(job: LoadJob): Promise<JobResult> {
  let next = job.firstSubject;
  let sent = 0;
  const service = JSON.stringify({
    serviceDate: SERVICE_DATE,
    serviceType: 'nutrition_guidance',
    content: '低盐低脂饮食指导，讲解食物交换份',
    outcome: '客户同意每周记录饮食日志',
    purposeId: HM,
  });
  const followUp = JSON.stringify({ dueDate: '2099-01-01', channel: 'phone', note: '两周后电话回访饮食日志执行情况', purposeId: HM });
  const result = await runAutocannon({
    url: job.url,
    connections: job.connections,
    seconds: job.seconds,
    method: 'POST',
    headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' },
    eachRequest: () => {
      if (job.kind === 'registration') return { path: '/v1/subjects', body: JSON.stringify(realisticRegistration(next++)) };
      const n = sent++;
      const subjectId = job.customers[Math.floor(n / 2) % job.customers.length];
      return n % 2 === 0 ? { path: `/v1/subjects/${subjectId}/service-records`, body: service } : { path: `/v1/subjects/${subjectId}/follow-ups`, body: followUp };
    },
  });
  return { ...result, subjectsUsed: next - job.firstSubject };
}

runLoadBench(main, load);

async function main(defer: Defer): Promise<void> {
  const startLoad = loadAverage();
  const settings = loadSettings({ connections: 16, seconds: 4, rounds: 3, warmUp: 2 });
  const customerCount = intOption('customers', 'BENCH_CUSTOMERS', 64);
  const database = await openBenchDatabase(defer);
  const config = await apiConfig(database, defer, loadConfig({ LEDGER_PROJECTOR: 'external' }));
  log('starting the API');
  const app = await startingApp(() => createLedgerApi(config, serviceLogger()));
  const url = await listenOnLoopback(app, defer);
  const token = await app.get(TokenService).sign({ sub: 'staff-bench', roles: ['staff'] });
  const worker = await LoadWorker.start<LoadJob, JobResult>(__filename, defer);

  let nextSubject = 1;
  log(`registering ${customerCount} customers to visit`);
  const customers: string[] = [];
  for (let i = 0; i < customerCount; i++) customers.push(await postForId(url, token, '/v1/subjects', realisticRegistration(nextSubject++), 'subjectId'));
  // a visit outside the measurement, which must succeed
  await postForId(
    url,
    token,
    `/v1/subjects/${customers[0]}/service-records`,
    { serviceDate: SERVICE_DATE, serviceType: 'consultation', content: '咨询', purposeId: HM },
    'recordId',
  );

  const kinds = ['registration', 'service'] as const;
  const run = async (kind: (typeof kinds)[number], seconds: number, title: string): Promise<LoadResult> => {
    const { result } = await timedRun(title, seconds, () => worker.run({ kind, url, token, seconds, connections: settings.connections, firstSubject: nextSubject, customers }));
    nextSubject += result.subjectsUsed;
    log(`${title}: ${formatCount(requestRate(result))} req/s${failureNote(result)}`);
    await sleep(LOAD_DRAIN_MS);
    return result;
  };
  for (const kind of kinds) await run(kind, settings.warmUp, `warm-up, ${kind}`);
  const runs: LoadResult[][] = kinds.map(() => []);
  for (let round = 0; round < settings.rounds; round++) {
    for (const index of rotation(round, kinds.length)) runs[index].push(await run(kinds[index], settings.seconds, `round ${round + 1}/${settings.rounds}, ${kinds[index]}`));
  }
  const owner = await database.ownerClient();
  const { rows } = await owner.query<{ services: number; tasks: number }>(
    `SELECT count(*) FILTER (WHERE type = 'ServiceRecorded')::int AS services, count(*) FILTER (WHERE type = 'FollowUpOpened')::int AS tasks FROM ledger_events`,
  );
  const totals = runs.map(combineLoads);
  if (rows[0].services + rows[0].tasks < totals[1].ok) throw new Error(`${totals[1].ok} visit requests measured, ${rows[0].services + rows[0].tasks} events in the ledger`);

  const ratio = requestRate(totals[1]) / requestRate(totals[0]);
  const table = markdownTable(
    ['load', 'requests', 'req/s', 'p50', 'p99', 'errors', 'non-2xx', 'vs registration', 'by round'],
    kinds.map((kind, index) => [
      kind === 'registration' ? 'registration (`POST /v1/subjects`)' : 'service visit + follow-up (two `POST`s)',
      formatCount(totals[index].ok),
      formatCount(requestRate(totals[index])),
      formatMs(percentileOf(totals[index].latenciesMs, 0.5)),
      formatMs(percentileOf(totals[index].latenciesMs, 0.99)),
      formatCount(totals[index].errors),
      formatCount(totals[index].non2xx),
      formatRatio(requestRate(totals[index]) / requestRate(totals[0])),
      index === 0 ? '' : roundRatios(runs[index].map(requestRate), runs[0].map(requestRate)),
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  const report = [
    '## Service workflows: a service visit with its follow-up task',
    '',
    `${environmentNote(database)} ${loadNote(startLoad)}`,
    '',
    '```sh',
    'npm run bench:service   # options: --connections N, --seconds N, --rounds N, --warm-up N, --customers N',
    '```',
    '',
    `One API as it ships (\`createLedgerApi\`, the real vault; projections elsewhere: \`LEDGER_PROJECTOR=external\`), as role \`staff\`, ` +
      `at ${settings.connections} connections from a worker thread. *service visit + follow-up*: each connection alternates ` +
      `\`POST /v1/subjects/{id}/service-records\` (content and outcome sealed under the customer's service_interactions key) and ` +
      `\`POST /v1/subjects/{id}/follow-ups\` (a sealed note), round-robin over ${customerCount} customers registered before; each request ` +
      `checks the access matrix, loads the customer's stream for the purpose, consent and assignment rules, and appends one event to a new stream. ` +
      `*registration*: what bench:commands measures, through the same API. Warm-up ${settings.warmUp} s per load, then ` +
      `${settings.rounds} rounds of ${settings.seconds} s per load, alternating which goes first.`,
    '',
    table,
    '',
    `- A visit request reaches ${formatRatio(ratio)} of the registration rate per request (target ≥ ${formatRatio(TARGET_RATIO)}: ` +
      `${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}); a whole visit (two requests) runs at ${formatCount(requestRate(totals[1]) / 2)}/s. ` +
      `Visit events in the ledger after the run (warm-up included): ${formatCount(rows[0].services)} services, ${formatCount(rows[0].tasks)} follow-up tasks.`,
    '- The timeline and work-queue queries at 100k customers and 1M records: `bench:service-queries` below.',
  ].join('\n');
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('service', report)}`);
  assertNoFailedRequests(runs.flat());
}
