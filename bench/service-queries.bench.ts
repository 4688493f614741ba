/**
 * `npm run bench:service-queries`: the work queue and the customer timeline at scale (issue #14,
 * Performance: 100k customers and 1M records, p99 under 100 ms and within 2× of a hand-written SQL
 * query over the same tables in the same run).
 *
 * Real customers (--real, default 200) are registered through the API, each with a few services and
 * follow-up tasks through the API, so their timelines open real sealed values through the vault.
 * The read-model tables are then padded with SQL (generate_series) to --customers customers and
 * --records records in all, half services and half follow-up tasks, for other subject ids: their
 * sealed columns copy the real rows' envelopes (realistic size; never opened by the measured reads).
 *
 * Measured, at --connections concurrent requests: over HTTP (the API as it ships, in-process
 * projections) `GET /v1/tasks?assignee=me&status=open`, `GET /v1/tasks?department=mine&overdue=true`
 * and `GET /v1/subjects/{id}/timeline` over the real customers; and the query layer the endpoints
 * use (FollowUpTaskQueries.queue, TimelineQueries.page) against hand-written SQL for the same
 * question over the same tables, on the same pool. EXPLAIN (ANALYZE, BUFFERS) of the slowest.
 *
 * Options: --customers N (BENCH_CUSTOMERS, default 100,000), --records N (BENCH_RECORDS, default
 * 1,000,000), --real N (BENCH_REAL, default 200), --connections N (default 8), --seconds N
 * (default 5), --rounds N (default 2), --warm-up N (default 2).
 */
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, QueryConfig } from 'pg';
import { createLedgerApi } from '../apps/ledger-api/src/ledger-api';
import { TIMELINE_SOURCES } from '../apps/ledger-api/src/timeline/timeline-sources';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { loadConfig } from '@pi-ledger/platform/config/ledger-config';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { FollowUpTaskQueries } from '@pi-ledger/read-models/projections/follow-ups/follow-up-tasks.queries';
import { TimelineQueries } from '@pi-ledger/read-models/projections/timeline/timeline.queries';
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
  loadAverage,
  loadNote,
  LoadResult,
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
  runAutocannon,
  runLoadBench,
  serviceLogger,
  startingApp,
  waitForProjections,
  writeDocSection,
} from './bench-support';

const HM = 'health-management';
const P99_TARGET_MS = 100;
const RATIO_TARGET = 2;
const PAGE = 50;
/** Filler tasks are assigned round-robin over this many staff and departments; the bench's staff member is `staff-0` of `dept-0`. */
const STAFF = 200;
const DEPARTMENTS = 10;
const ME = 'staff-0';
const MY_DEPARTMENT = 'dept-0';
/** Real records per real customer, through the API. */
const REAL_SERVICES = 3;
const REAL_TASKS = 3;

type QueryKind = 'my-open' | 'dept-overdue' | 'timeline';
const KINDS: readonly QueryKind[] = ['my-open', 'dept-overdue', 'timeline'];
const TITLES: Record<QueryKind, string> = {
  'my-open': 'my open tasks (`GET /v1/tasks?assignee=me&status=open`)',
  'dept-overdue': "my department's overdue tasks (`GET /v1/tasks?department=mine&overdue=true`)",
  timeline: 'customer timeline (`GET /v1/subjects/{id}/timeline`)',
};

interface LoadJob {
  kind: QueryKind;
  url: string;
  token: string;
  seconds: number;
  connections: number;
  customers: string[];
}

async function load(job: LoadJob): Promise<LoadResult> {
  let next = 0;
  return runAutocannon({
    url: job.url,
    connections: job.connections,
    seconds: job.seconds,
    method: 'GET',
    headers: { authorization: `Bearer ${job.token}`, 'x-processing-purpose': HM },
    eachRequest: () => {
      if (job.kind === 'my-open') return { path: '/v1/tasks?assignee=me&status=open' };
      if (job.kind === 'dept-overdue') return { path: '/v1/tasks?department=mine&overdue=true' };
      return { path: `/v1/subjects/${job.customers[next++ % job.customers.length]}/timeline` };
    },
  });
}

runLoadBench(main, load);

interface Timed {
  calls: number;
  seconds: number;
  latenciesMs: number[];
}

/** `connections` loops calling `call(i)` for `seconds`, each call timed. */
async function closedLoop(connections: number, seconds: number, call: (i: number) => Promise<unknown>): Promise<Timed> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await call(next++);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  return { calls: latenciesMs.length, seconds: (performance.now() - started) / 1000, latenciesMs };
}

async function main(defer: Defer): Promise<void> {
  const startLoad = loadAverage();
  const settings = loadSettings({ connections: 8, seconds: 5, rounds: 2, warmUp: 2 });
  const customerCount = intOption('customers', 'BENCH_CUSTOMERS', 100_000);
  const recordCount = intOption('records', 'BENCH_RECORDS', 1_000_000);
  const realCount = Math.min(customerCount, intOption('real', 'BENCH_REAL', 200));
  const database = await openBenchDatabase(defer);
  const config = await apiConfig(database, defer, loadConfig({ LEDGER_LOOKUP_LIMIT_PER_MINUTE: '0', LEDGER_LOOKUP_ALERT_PER_HOUR: '0' }));
  log('starting the API');
  const app = await startingApp(() => createLedgerApi(config, serviceLogger()));
  const url = await listenOnLoopback(app, defer);
  const token = await app.get(TokenService).sign({ sub: ME, roles: ['staff'], departmentId: MY_DEPARTMENT });
  const worker = await LoadWorker.start<LoadJob, LoadResult>(__filename, defer);
  const owner = await database.ownerClient();

  log(`registering ${realCount} real customers, each with ${REAL_SERVICES} services and ${REAL_TASKS} follow-up tasks`);
  const customers: string[] = [];
  const real = async (n: number) => {
    const subjectId = await postForId(url, token, '/v1/subjects', realisticRegistration(n + 1), 'subjectId');
    for (let s = 0; s < REAL_SERVICES; s++) {
      const serviceDate = `2026-0${1 + s}-1${s}`;
      const body = {
        serviceDate,
        serviceType: 'nutrition_guidance',
        content: `低盐低脂饮食指导，讲解食物交换份，第${s + 1}次随访，客户反馈血压控制尚可`,
        outcome: '客户同意每周记录饮食日志',
        purposeId: HM,
      };
      await postForId(url, token, `/v1/subjects/${subjectId}/service-records`, body, 'recordId');
    }
    for (let t = 0; t < REAL_TASKS; t++) {
      const body = { dueDate: `2027-0${1 + t}-15`, channel: 'phone', note: `两周后电话回访饮食日志执行情况（第${t + 1}次）`, purposeId: HM };
      await postForId(url, token, `/v1/subjects/${subjectId}/follow-ups`, body, 'taskId');
    }
    customers.push(subjectId);
  };
  let nextReal = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (nextReal < realCount) await real(nextReal++);
    }),
  );
  await waitForProjections(owner, { timeoutMs: 300_000, pollMs: 200 });

  const fillerCustomers = customerCount - realCount;
  const realRecords = realCount * (REAL_SERVICES + REAL_TASKS);
  const fillerServices = Math.max(0, Math.floor((recordCount - realRecords) / 2));
  const fillerTasks = Math.max(0, recordCount - realRecords - fillerServices);
  log(`padding: ${formatCount(fillerServices)} services and ${formatCount(fillerTasks)} follow-up tasks over ${formatCount(fillerCustomers)} other customers`);
  const padStarted = performance.now();
  await owner.query(`CREATE TEMP TABLE pad_details AS SELECT row_number() OVER () - 1 AS slot, details FROM service_records__g1`);
  await owner.query(`CREATE TEMP TABLE pad_notes AS SELECT row_number() OVER () - 1 AS slot, note FROM follow_up_tasks__g1`);
  await pad(
    owner,
    'service_records__g1',
    fillerServices,
    (first, last) =>
      `INSERT INTO service_records__g1 (record_id, subject_id, service_date, service_type, staff_id, recorded_by, recorded_at, details, position)
     SELECT 'f' || lpad(i::text, 12, '0'), ${fillerSubject('i', fillerCustomers)}, current_date - (i * 7919 % 1095)::int, 'consultation',
            'staff-' || (i % ${STAFF}), 'staff-' || (i % ${STAFF}), now(), t.details, 0
       FROM generate_series(${first}::bigint, ${last}::bigint) AS i
       JOIN pad_details t ON t.slot = i % ${realCount * REAL_SERVICES}`,
  );
  await pad(
    owner,
    'follow_up_tasks__g1',
    fillerTasks,
    (first, last) =>
      `INSERT INTO follow_up_tasks__g1 (task_id, subject_id, due_date, assignee, department, channel, status, source_kind, note, outcome, opened_by, opened_at, closed_by, closed_at, version)
     SELECT 'f' || lpad(i::text, 12, '0'), ${fillerSubject('i', fillerCustomers)}, current_date - 730 + (i * 7919 % 1095)::int,
            'staff-' || (i % ${STAFF}), 'dept-' || (i / ${STAFF} % ${DEPARTMENTS}), 'phone', s.status, 'manual', t.note,
            CASE WHEN s.status = 'done' THEN t.note END, 'staff-1', now(), CASE WHEN s.status <> 'open' THEN 'staff-1' END,
            CASE WHEN s.status <> 'open' THEN now() END, 1
       FROM generate_series(${first}::bigint, ${last}::bigint) AS i
       CROSS JOIN LATERAL (SELECT CASE WHEN i % 10 < 3 THEN 'open' WHEN i % 10 < 9 THEN 'done' ELSE 'cancelled' END AS status) s
       JOIN pad_notes t ON t.slot = i % ${realCount * REAL_TASKS}`,
  );
  await owner.query('VACUUM (ANALYZE) service_records__g1');
  await owner.query('VACUUM (ANALYZE) follow_up_tasks__g1');
  const padSeconds = (performance.now() - padStarted) / 1000;
  const counts = (
    await owner.query<{ services: number; tasks: number; subjects: number; mine: number; dept: number }>(
      `SELECT (SELECT count(*)::int FROM service_records) AS services, (SELECT count(*)::int FROM follow_up_tasks) AS tasks,
              (SELECT count(*)::int FROM (SELECT subject_id FROM service_records UNION SELECT subject_id FROM follow_up_tasks) s) AS subjects,
              (SELECT count(*)::int FROM follow_up_tasks WHERE assignee = $1 AND status = 'open') AS mine,
              (SELECT count(*)::int FROM follow_up_tasks WHERE department = $2 AND status = 'open' AND due_date < current_date) AS dept`,
      [ME, MY_DEPARTMENT],
    )
  ).rows[0];
  log(`tables: ${formatCount(counts.services)} services, ${formatCount(counts.tasks)} tasks, ${formatCount(counts.subjects)} customers; padded in ${padSeconds.toFixed(0)} s`);

  // ---- over HTTP
  const httpRuns: LoadResult[][] = KINDS.map(() => []);
  const runHttp = async (index: number, seconds: number, title: string) => {
    const result = await worker.run({ kind: KINDS[index], url, token, seconds, connections: settings.connections, customers });
    log(`${title}: ${formatCount(requestRate(result))} req/s, p99 ${formatMs(percentileOf(result.latenciesMs, 0.99))}${failureNote(result)}`);
    await sleep(LOAD_DRAIN_MS);
    return result;
  };
  for (let index = 0; index < KINDS.length; index++) await runHttp(index, settings.warmUp, `warm-up, HTTP ${KINDS[index]}`);
  for (let round = 0; round < settings.rounds; round++) {
    for (const index of rotation(round, KINDS.length)) httpRuns[index].push(await runHttp(index, settings.seconds, `round ${round + 1}, HTTP ${KINDS[index]}`));
  }
  const http = httpRuns.map(combineLoads);

  // ---- the query layer against hand-written SQL, on the app's own pool
  const pool = app.get<Pool>(PG_POOL);
  const tasks = app.get(FollowUpTaskQueries);
  const timeline = app.get(TimelineQueries);
  const today = (await owner.query<{ today: string }>(`SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS today`)).rows[0].today;
  const appQuery: Record<QueryKind, (i: number) => Promise<unknown>> = {
    'my-open': () => tasks.queue({ assignee: ME, status: 'open', today, limit: PAGE + 1 }),
    'dept-overdue': () => tasks.queue({ department: MY_DEPARTMENT, overdue: true, today, limit: PAGE + 1 }),
    timeline: (i) => timeline.page(customers[i % customers.length], TIMELINE_SOURCES, undefined, PAGE + 1),
  };
  const handSql: Record<QueryKind, (i: number) => QueryConfig> = {
    'my-open': () => ({
      text: `SELECT task_id, subject_id, due_date, department, channel, status, opened_at FROM follow_up_tasks
              WHERE assignee = $1 AND status = 'open' ORDER BY due_date, task_id LIMIT $2`,
      values: [ME, PAGE + 1],
    }),
    'dept-overdue': () => ({
      text: `SELECT task_id, subject_id, due_date, assignee, channel, status, opened_at FROM follow_up_tasks
              WHERE department = $1 AND status = 'open' AND due_date < $2::date ORDER BY due_date, task_id LIMIT $3`,
      values: [MY_DEPARTMENT, today, PAGE + 1],
    }),
    timeline: (i) => ({
      text: `SELECT * FROM (
               SELECT 'service' AS kind, service_date AS date, record_id AS id, details AS sealed FROM service_records WHERE subject_id = $1
               UNION ALL SELECT 'checkup', visit_date, visit_id, visit FROM checkup_visits WHERE subject_id = $1
               UNION ALL SELECT 'follow_up', due_date, task_id, note FROM follow_up_tasks WHERE subject_id = $1
               UNION ALL SELECT 'order', order_date, order_id, contents FROM orders WHERE subject_id = $1
               UNION ALL SELECT 'complaint', (received_at AT TIME ZONE 'Asia/Shanghai')::date, complaint_id, NULL FROM complaints WHERE subject_id = $1
               UNION ALL SELECT 'survey', service_date, response_id, scores FROM survey_responses WHERE subject_id = $1
             ) e ORDER BY date DESC, id DESC LIMIT $2`,
      values: [customers[i % customers.length], PAGE + 1],
    }),
  };
  const contenders = [
    { name: 'app', call: (kind: QueryKind) => appQuery[kind] },
    { name: 'hand', call: (kind: QueryKind) => (i: number) => pool.query(handSql[kind](i)) },
  ];
  const sqlRuns: Timed[][][] = KINDS.map(() => contenders.map(() => []));
  for (let index = 0; index < KINDS.length; index++) {
    for (const contender of contenders) await closedLoop(settings.connections, settings.warmUp, contender.call(KINDS[index]));
  }
  for (let round = 0; round < settings.rounds; round++) {
    for (let index = 0; index < KINDS.length; index++) {
      for (const c of rotation(round, contenders.length)) {
        const run = await closedLoop(settings.connections, settings.seconds, contenders[c].call(KINDS[index]));
        sqlRuns[index][c].push(run);
        log(`round ${round + 1}, SQL ${KINDS[index]} ${contenders[c].name}: ${formatCount(run.calls / run.seconds)}/s, p99 ${formatMs(percentileOf(run.latenciesMs, 0.99))}`);
      }
    }
  }
  const sql = sqlRuns.map((byContender) =>
    byContender.map((runs) => ({
      calls: runs.reduce((n, run) => n + run.calls, 0),
      seconds: runs.reduce((n, run) => n + run.seconds, 0),
      latenciesMs: runs.flatMap((run) => run.latenciesMs),
    })),
  );

  // ---- the plan of the slowest app query, as the app sends it
  const p99 = (values: number[]) => percentileOf(values, 0.99);
  const slowest = KINDS.reduce((worst, _kind, index) => (p99(sql[index][0].latenciesMs) > p99(sql[worst][0].latenciesMs) ? index : worst), 0);
  const captured = await captureQuery(pool, () => appQuery[KINDS[slowest]](0));
  const plan = (await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${captured.text}`, captured.values)).rows.map((row) => row['QUERY PLAN']).join('\n');
  const seqScans = [...plan.matchAll(/Seq Scan on (\S+)/g)].map((match) => match[1]);
  log(`plan of ${KINDS[slowest]}:\n${plan}`);

  const table = markdownTable(
    ['query', 'HTTP req/s', 'HTTP p50', 'HTTP p99', 'query layer p50', 'query layer p99', 'hand SQL p50', 'hand SQL p99', 'query layer / hand (p99)', 'HTTP / hand (p99)'],
    KINDS.map((kind, index) => {
      const [layer, hand] = sql[index];
      return [
        TITLES[kind],
        formatCount(requestRate(http[index])),
        formatMs(percentileOf(http[index].latenciesMs, 0.5)),
        formatMs(p99(http[index].latenciesMs)),
        formatMs(percentileOf(layer.latenciesMs, 0.5)),
        formatMs(p99(layer.latenciesMs)),
        formatMs(percentileOf(hand.latenciesMs, 0.5)),
        formatMs(p99(hand.latenciesMs)),
        formatRatio(p99(layer.latenciesMs) / p99(hand.latenciesMs)),
        formatRatio(p99(http[index].latenciesMs) / p99(hand.latenciesMs)),
      ];
    }),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  const worstHttp = Math.max(...http.map((run) => p99(run.latenciesMs)));
  const worstRatio = Math.max(...sql.map(([layer, hand]) => p99(layer.latenciesMs) / p99(hand.latenciesMs)));
  const report = [
    '## Service workflows: the work queue and the customer timeline at scale',
    '',
    `${environmentNote(database)} ${loadNote(startLoad)}`,
    '',
    '```sh',
    'npm run bench:service-queries   # options: --customers N, --records N, --real N, --connections N, --seconds N, --rounds N, --warm-up N',
    '```',
    '',
    `${formatCount(counts.subjects)} customers and ${formatCount(counts.services + counts.tasks)} records (${formatCount(counts.services)} services, ` +
      `${formatCount(counts.tasks)} follow-up tasks). ${realCount} customers are real: registered through the API with ${REAL_SERVICES} services and ` +
      `${REAL_TASKS} follow-up tasks each, sealed by the vault; the rest were padded in ${padSeconds.toFixed(0)} s with SQL (generate_series) straight into ` +
      `the read-model tables, for other subject ids, their sealed columns copies of the real envelopes. Filler tasks are 30 % open, spread over ` +
      `${STAFF} staff and ${DEPARTMENTS} departments and due dates from two years back to one year ahead: the caller \`${ME}\` has ` +
      `${formatCount(counts.mine)} open tasks, its department ${formatCount(counts.dept)} overdue ones.`,
    '',
    `*HTTP*: the API as it ships (\`createLedgerApi\`, the real vault, projections in-process), as role \`staff\` with a department, ` +
      `${settings.connections} connections from a worker thread, pages of ${PAGE}; the timeline rotates over the real customers, opens every sealed ` +
      `summary value through the vault and appends the read's access record before answering (the per-actor look-up limit is off, \`LEDGER_LOOKUP_LIMIT_PER_MINUTE=0\`: one token makes every request). *Query layer*: what those endpoints run ` +
      `(\`FollowUpTaskQueries.queue\`, \`TimelineQueries.page\` over every timeline kind) called in-process; *hand SQL*: the same question written ` +
      `by hand over the same tables (the queue by its index columns; the timeline as one UNION ALL over the six record tables), both on the ` +
      `app's pool at ${settings.connections} concurrent calls. Warm-up ${settings.warmUp} s each, then ${settings.rounds} rounds of ${settings.seconds} s.`,
    '',
    table,
    '',
    `- p99 over HTTP: worst ${formatMs(worstHttp)} (target < ${P99_TARGET_MS} ms: ${worstHttp < P99_TARGET_MS ? 'met' : 'NOT met'}). ` +
      `Query layer against hand-written SQL: worst ${formatRatio(worstRatio)} at p99 (target ≤ ${formatRatio(RATIO_TARGET)}: ${worstRatio <= RATIO_TARGET ? 'met' : 'NOT met'}). ` +
      `The 2× target is judged on the query layer: over HTTP each request also verifies its token, checks access and, for the timeline, ` +
      `decrypts and appends an access record, which no SQL baseline does (HTTP / hand is shown for scale).`,
    `- Slowest query layer at p99: ${KINDS[slowest]}; ${seqScans.length ? `sequential scans on ${seqScans.join(', ')}` : 'no sequential scan'}. Its plan, as the app sends it:`,
    '',
    '```',
    plan,
    '```',
  ].join('\n');
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('service-queries', report)}`);
  assertNoFailedRequests(httpRuns.flat());
}

/** A filler row's subject id: one of `customers` synthetic ids, as a UUID. */
function fillerSubject(i: string, customers: number): string {
  return `('00000000-0000-4000-8000-' || lpad(to_hex(${i} % ${Math.max(1, customers)}), 12, '0'))`;
}

/** Inserts rows 1..total in chunks of `chunk`, a transaction each. */
async function pad(owner: { query: (sql: string) => Promise<unknown> }, table: string, total: number, sqlOf: (first: number, last: number) => string) {
  const chunk = 100_000;
  for (let first = 1; first <= total; first += chunk) {
    const last = Math.min(total, first + chunk - 1);
    await owner.query(sqlOf(first, last));
    log(`${table}: ${formatCount(last)} / ${formatCount(total)}`);
  }
}

/** The text and values of the first statement `work` sends through `pool`. */
async function captureQuery(pool: Pool, work: () => Promise<unknown>): Promise<{ text: string; values: unknown[] }> {
  const original = pool.query.bind(pool);
  let captured: { text: string; values: unknown[] } | undefined;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, values?: unknown) => {
    captured ??= typeof text === 'string' ? { text, values: (values as unknown[]) ?? [] } : { text: (text as QueryConfig).text, values: (text as QueryConfig).values ?? [] };
    return (original as (...args: unknown[]) => unknown)(text, values);
  };
  try {
    await work();
  } finally {
    delete (pool as unknown as { query?: unknown }).query;
  }
  if (!captured) throw new Error('no statement captured');
  return captured;
}
