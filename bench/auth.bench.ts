/**
 * `npm run bench:auth`: what authentication costs a request. Authenticated profile reads
 * (`GET /v1/subjects/{id}` with a purpose, each recording its access) on the real API under
 * autocannon at 16 connections, with the per-request revocation check on (the token's session, id
 * and actor looked up in the in-memory cache that LISTEN/NOTIFY keeps current) and off (JWT
 * verification only), same app, same run, alternating which goes first. The cache holds
 * --revocations rows (sessions, tokens and actors), so the check looks up in sets of a realistic
 * size. Target: ≥ 0.90× (issue #13).
 *
 * Login p99 with the chosen argon2id cost is the second half of this benchmark: see "Login" below.
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
  const config = await apiConfig(database, defer, loadConfig({ LEDGER_LOOKUP_LIMIT_PER_MINUTE: '0', LEDGER_LOOKUP_ALERT_PER_HOUR: '0' }));
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
    renderLogin(await measureLogin()),
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
// Login (issue #13, staff accounts): POST /v1/auth/login p99 with the chosen argon2id cost.
// TO BE ADDED with the login route: measure it here and return its table rows; renderLogin prints them.

interface LoginFigures {
  /** e.g. 'argon2id m=19 MiB, t=2, p=1' */
  cost: string;
  rows: string[][];
}

async function measureLogin(): Promise<LoginFigures | undefined> {
  return undefined;
}

function renderLogin(figures: LoginFigures | undefined): string {
  if (!figures) return '### Login\n\nNot measured yet: `POST /v1/auth/login` arrives with staff accounts (issue #13).';
  return ['### Login', '', `Password hashing: ${figures.cost}.`, '', markdownTable(['endpoint', 'req/s', 'p50', 'p99'], figures.rows, ['left', 'right', 'right', 'right'])].join(
    '\n',
  );
}
