/**
 * `npm run bench:auth`: what authentication costs a request. Authenticated profile reads
 * (`GET /v1/subjects/{id}` with a purpose, each recording its access) on the real API under
 * autocannon at 16 connections, with the per-request revocation check on (the token's session, id
 * and actor looked up in the in-memory cache that LISTEN/NOTIFY keeps current) and off (JWT
 * verification only), same app, same run, alternating which goes first. The cache holds
 * --revocations rows (sessions, tokens and actors), so the check looks up in sets of a realistic
 * size. Target: ≥ 0.90× (issue #13).
 *
 * Then login: `POST /v1/auth/login` latency (p50, p99) with the chosen argon2id cost, one at a time
 * (right password, wrong password, unknown user) and 16 at once.
 *
 * Options: --subjects N (BENCH_SUBJECTS, default 1,000), --revocations N (BENCH_REVOCATIONS,
 * default 20,000), --connections N (BENCH_CONNECTIONS, 16), --seconds N per run (BENCH_SECONDS, 6),
 * --rounds N (BENCH_ROUNDS, 4), --warm-up N seconds (BENCH_WARM_UP, 3).
 */
import 'reflect-metadata';
import { workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { createLedgerApi } from '../apps/ledger-api/src/ledger-api';
import type { Actor } from '@pi-ledger/access-control/actor';
import { RevocationCache } from '@pi-ledger/access-control/revocation/revocation-cache';
import { RevocationFeed } from '@pi-ledger/access-control/revocation/revocation-feed';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { ARGON2_OPTIONS, hashPassword } from '@pi-ledger/access-control/staff-accounts/passwords';
import { StaffAccounts } from '@pi-ledger/access-control/staff-accounts/staff-accounts';
import { loadConfig } from '@pi-ledger/platform/config/ledger-config';
import {
  apiConfig,
  assertNoFailedRequests,
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
  realisticRegistration,
  requestRate,
  roundRatios,
  runAutocannon,
  runLoadBench,
  serviceLogger,
  startingApp,
  timedRun,
  waitForProjections,
  writeDocSection,
} from './bench-support';

const TARGET_RATIO = 0.9;
const PURPOSE = 'health-management';
const REGISTER_CONCURRENCY = 16;
const CATCH_UP = { timeoutMs: 120_000, pollMs: 200 };

type Mode = 'revocation check' | 'JWT only';
const MODES: readonly Mode[] = ['revocation check', 'JWT only'];

interface LoadJob {
  url: string;
  token: string;
  seconds: number;
  connections: number;
}

/** In the load worker: each request reads a random subject (workerData: the subject ids). */
function load(job: LoadJob): Promise<LoadResult> {
  const ids = workerData as string[];
  return runAutocannon({
    url: job.url,
    connections: job.connections,
    seconds: job.seconds,
    method: 'GET',
    headers: { authorization: `Bearer ${job.token}`, 'x-processing-purpose': PURPOSE },
    eachRequest: () => ({ path: `/v1/subjects/${ids[Math.floor(Math.random() * ids.length)]}` }),
  });
}

runLoadBench(main, load);

async function main(defer: Defer): Promise<void> {
  const startLoad = loadAverage();
  const settings = {
    subjects: intOption('subjects', 'BENCH_SUBJECTS', 1_000),
    revocations: intOption('revocations', 'BENCH_REVOCATIONS', 20_000),
    ...loadSettings({ connections: 16, seconds: 6, rounds: 4, warmUp: 3 }),
  };
  const database = await openBenchDatabase(defer);
  const owner = await database.ownerClient();
  // one token drives the whole load: the per-actor look-up limit and alerts would measure 429s instead
  // and the login part signs in far more often than the auth rate limit lets one address
  const config = await apiConfig(
    database,
    defer,
    loadConfig({ LEDGER_LOOKUP_LIMIT_PER_MINUTE: '0', LEDGER_LOOKUP_ALERT_PER_HOUR: '0', LEDGER_AUTH_RATE_LIMIT_PER_IP: '0', LEDGER_AUTH_RATE_LIMIT_PER_USERNAME: '0' }),
  );
  const app = await startingApp(() => createLedgerApi(config, serviceLogger()));
  const url = await listenOnLoopback(app, defer);
  // a signed-in person's token: a session, an id, an actor, each looked up
  const token = await app.get(TokenService).sign({ sub: 'staff-bench', roles: ['staff'], sessionId: 'bench-session' });

  const ids = await registerSubjects(url, token, settings.subjects);
  await seedRevocations(owner, settings.revocations);
  await app.get(RevocationFeed).refresh();
  const cache = app.get(RevocationCache);
  await smokeTest(url, token, app.get(TokenService), app.get(RevocationService));
  log(`${formatCount(cache.size)} revocations in the cache`);

  const checking = cache.isRevoked.bind(cache);
  const setMode = (mode: Mode) => (cache.isRevoked = mode === 'JWT only' ? (_actor: Actor) => false : checking);
  const generator = await LoadWorker.start<LoadJob, LoadResult>(__filename, defer, ids);
  const run = async (mode: Mode, seconds: number, title: string): Promise<LoadResult> => {
    setMode(mode);
    await waitForProjections(owner, CATCH_UP);
    const { result } = await timedRun(title, seconds, () => generator.run({ url, token, seconds, connections: settings.connections }));
    await sleep(LOAD_DRAIN_MS);
    log(`${title}: ${formatCount(requestRate(result))} req/s, p99 ${formatMs(percentileOf(result.latenciesMs, 0.99))}${failureNote(result)}`);
    return result;
  };
  for (const mode of MODES) await run(mode, settings.warmUp, `warm-up, ${mode}`);
  const runs: LoadResult[][] = MODES.map(() => []);
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? MODES : [...MODES].reverse();
    for (const mode of order) runs[MODES.indexOf(mode)].push(await run(mode, settings.seconds, `round ${round + 1}/${settings.rounds}, ${mode}`));
  }
  setMode('revocation check');

  const report = [
    '## Authentication: the revocation check, and login',
    '',
    environmentNote(database),
    loadNote(startLoad),
    '',
    '```sh',
    `npm run bench:auth -- --subjects ${settings.subjects} --revocations ${settings.revocations} --connections ${settings.connections} --seconds ${settings.seconds} --rounds ${settings.rounds}`,
    '```',
    '',
    renderRevocationCheck(runs, settings.revocations, settings.subjects),
    '',
    renderLogin(await measureLogin(url, app.get(StaffAccounts))),
  ].join('\n');
  process.stdout.write(`${report}\n`);
  log(`results written to ${await writeDocSection('auth', report)}`);
  assertNoFailedRequests(runs.flat());
}

async function registerSubjects(url: string, token: string, count: number): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: REGISTER_CONCURRENCY }, async () => {
      for (let n = next++; n < count; n = next++) {
        const response = await fetch(`${url}/v1/subjects`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(realisticRegistration(n)),
        });
        const body = (await response.json()) as { subjectId?: string };
        if (response.status !== 201 || !body.subjectId) throw new Error(`registration ${n} answered ${response.status}`);
        ids[n] = body.subjectId;
      }
    }),
  );
  log(`${formatCount(count)} subjects registered`);
  return ids;
}

/** Rows as revocations write them (not measured, so straight into the table): 80% sessions, 10% tokens, 10% actors. */
async function seedRevocations(owner: Client, count: number): Promise<void> {
  await owner.query(
    `INSERT INTO auth_revocations (kind, target, revoked_at, issued_before)
     SELECT k, k || '-' || n, now(), CASE WHEN k = 'actor' THEN extract(epoch FROM now()) END
       FROM (SELECT n, CASE WHEN n % 10 = 0 THEN 'token' WHEN n % 10 = 1 THEN 'actor' ELSE 'session' END AS k FROM generate_series(1, $1) AS n) AS s`,
    [count],
  );
}

/** The check is really on: a revoked session's token is refused, the bench's own token is not. */
async function smokeTest(url: string, token: string, tokens: TokenService, revocations: RevocationService): Promise<void> {
  const revoked = await tokens.sign({ sub: 'staff-bench', roles: ['staff'], sessionId: 'bench-revoked-session' });
  await revocations.revokeSession('bench-revoked-session', 'logout');
  const refused = await fetch(`${url}/v1/subjects?name=zz`, { headers: { authorization: `Bearer ${revoked}`, 'x-processing-purpose': PURPOSE } });
  const accepted = await fetch(`${url}/health/live`, { headers: { authorization: `Bearer ${token}` } });
  if (refused.status !== 401 || accepted.status !== 200) throw new Error(`smoke test: a revoked token answered ${refused.status}, the bench's token ${accepted.status}`);
}

function renderRevocationCheck(runs: readonly LoadResult[][], revocations: number, subjects: number): string {
  const rate = (results: readonly LoadResult[]) => results.reduce((total, run) => total + run.ok, 0) / results.reduce((total, run) => total + run.seconds, 0);
  const [checked, jwtOnly] = runs;
  const ratio = rate(checked) / rate(jwtOnly);
  const rows = MODES.map((mode, index) => {
    const latencies = runs[index].flatMap((run) => run.latenciesMs);
    return [
      mode,
      formatCount(rate(runs[index])),
      formatMs(percentileOf(latencies, 0.5)),
      formatMs(percentileOf(latencies, 0.99)),
      index === 0 ? `${formatRatio(ratio)} (${roundRatios(checked.map(requestRate), jwtOnly.map(requestRate))})` : '1.00×',
    ];
  });
  return [
    '### The per-request revocation check',
    '',
    `\`GET /v1/subjects/{id}\` over ${formatCount(subjects)} subjects, each read recording its access; the token carries a session, an id and an actor; ` +
      `${formatCount(revocations)} revocations in the cache. "JWT only" replaces the cache's lookup with \`false\` in the same app.`,
    '',
    markdownTable(['mode', 'req/s', 'p50', 'p99', 'vs JWT only (by round)'], rows, ['left', 'right', 'right', 'right', 'left']),
    '',
    `**${formatRatio(ratio)}** of the JWT-only rate (target ≥ ${formatRatio(TARGET_RATIO)}): ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}.`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Login (issue #13, staff accounts): POST /v1/auth/login with the chosen argon2id cost.

const LOGIN_SEQUENTIAL = 100;
const LOGIN_CONCURRENCY = 16;
const LOGIN_CONCURRENT_EACH = 10;
const BENCH_PASSWORD = 'a bench passphrase nobody uses 42';

interface LoginFigures {
  /** e.g. 'argon2id m=19 MiB, t=2, p=1' */
  cost: string;
  rows: string[][];
}

/**
 * Front-desk accounts (no MFA step) with passwords of their own; then logins one at a time (the
 * right password, a wrong one, an unknown user: the three should cost alike) and 16 people at once. Each
 * successful login appends its event and opens a session, as in service. The requests come from
 * this process (argon2 runs on libuv's pool, so the client's share is small).
 */
async function measureLogin(url: string, accounts: StaffAccounts): Promise<LoginFigures> {
  const metadata = { actor: 'bench', roles: ['admin'], correlationId: 'bench-login' };
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  for (let n = 0; n < LOGIN_CONCURRENCY; n++) {
    const { staffId } = await accounts.create({ username: `bench.login.${n}`, displayName: 'bench', roles: ['front_desk'], departmentId: null }, metadata);
    await accounts.execute(staffId, { type: 'SetPassword', passwordHash, oneTime: false }, metadata);
  }
  const login = async (username: string, password: string, expected: number): Promise<number> => {
    const started = performance.now();
    const response = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    await response.arrayBuffer();
    if (response.status !== expected) throw new Error(`login answered ${response.status}, expected ${expected}`);
    return performance.now() - started;
  };
  const sequential = async (what: string, username: string, password: string, expected: number): Promise<string[]> => {
    const latencies: number[] = [];
    for (let i = 0; i < LOGIN_SEQUENTIAL; i++) latencies.push(await login(username, password, expected));
    return row(
      what,
      latencies,
      latencies.reduce((a, b) => a + b, 0),
    );
  };
  const row = (what: string, latencies: number[], elapsedMs: number) => [
    what,
    formatCount(latencies.length / (elapsedMs / 1000)),
    formatMs(percentileOf(latencies, 0.5)),
    formatMs(percentileOf(latencies, 0.99)),
  ];
  const rows = [
    await sequential('right password, one at a time', 'bench.login.0', BENCH_PASSWORD, 200),
    // wrong passwords would lock the account after 5: alternate with the right one, measuring the wrong ones only
    await (async () => {
      const latencies: number[] = [];
      for (let i = 0; i < LOGIN_SEQUENTIAL; i++) {
        latencies.push(await login('bench.login.0', 'not the bench passphrase', 401));
        await login('bench.login.0', BENCH_PASSWORD, 200);
      }
      return row(
        'wrong password, one at a time',
        latencies,
        latencies.reduce((a, b) => a + b, 0),
      );
    })(),
    await sequential('unknown user, one at a time', 'nobody.at.all', BENCH_PASSWORD, 401),
  ];
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LOGIN_CONCURRENCY }, async (_, n) => {
      for (let i = 0; i < LOGIN_CONCURRENT_EACH; i++) latencies.push(await login(`bench.login.${n}`, BENCH_PASSWORD, 200));
    }),
  );
  rows.push(row(`right password, ${LOGIN_CONCURRENCY} people at once`, latencies, performance.now() - started));
  const { memoryCost, timeCost, parallelism } = ARGON2_OPTIONS;
  return { cost: `argon2id m=${memoryCost / 1024} MiB, t=${timeCost}, p=${parallelism} (OWASP's minimum)`, rows };
}

function renderLogin(figures: LoginFigures): string {
  return [
    '### Login',
    '',
    `\`POST /v1/auth/login\` of a front-desk account (no MFA step). Password hashing: ${figures.cost}. ` +
      'An unknown user is checked against a dummy hash, so it costs what a wrong password does.',
    '',
    markdownTable(['login', 'logins/s', 'p50', 'p99'], figures.rows, ['left', 'right', 'right', 'right']),
  ].join('\n');
}
