/**
 * Shared plumbing of the benchmarks in bench/: a scratch database on a durable server, command-line
 * options, sample events, a peak-RSS sampler, progress on stderr, timed runs and rounds, result
 * tables and the sections of docs/benchmarks.md, the API in the benchmark's process (and its
 * plaintext baseline, with a pass-through vault) and HTTP load from autocannon in a worker thread. The benchmark scripts keep only what they measure.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Request as AutocannonRequest } from 'autocannon';
import { SingleBar } from 'cli-progress';
import { Client, Pool } from 'pg';
import pino, { Logger } from 'pino';
import { LedgerApiModule } from '../apps/ledger-api/src/ledger-api.module';
import { JsonValue, NewEvent } from '@pi-ledger/event-store/event-store.port';
import { canonicalJson, sha256 } from '@pi-ledger/event-store/payload-digest';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { redactPi } from '@pi-ledger/platform/logging/pi-redaction';
import { startEmbeddedPostgres } from '@pi-ledger/platform/database/embedded-postgres.server';
import { createLedgerPool, ensureDatabase, migrateLedgerDatabase, withDatabase } from '@pi-ledger/platform/database/ledger-database';
import { createHttpApp } from '@pi-ledger/platform/http/create-http-app';
import { normaliseEmail, normaliseIdNumber, normalisePhone, normaliseTag } from '@pi-ledger/pii-vault/normalise';
import { PII_VAULT, PiiVaultModule } from '@pi-ledger/pii-vault/pii-vault.module';
import { BlindIndexKind, EncryptedValue, FieldContext, PiiVault, ShredTombstone } from '@pi-ledger/pii-vault/pii-vault';

// ---------------------------------------------------------------------------------------------
// Running: logging, options, cleanup

/** Progress and diagnostics go to stderr so stdout carries only the results. */
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** `--name N`, `--name=N`, else the environment variable, else `fallback`; a positive integer. */
export function intOption(name: string, envName: string, fallback: number): number {
  const args = process.argv.slice(2);
  const flag = `--${name}`;
  const index = args.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
  const raw = index === -1 ? process.env[envName] : args[index].includes('=') ? args[index].split('=')[1] : args[index + 1];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${flag} / ${envName} must be a positive integer, got '${raw}'`);
  return value;
}

export type Cleanup = () => Promise<void>;
/** Registers a cleanup; cleanups run last-registered first, so a pool ends before its server stops. */
export type Defer = (cleanup: Cleanup) => void;

/**
 * Runs a benchmark. The cleanups run after success, after a failure and on Ctrl-C/SIGTERM, so no
 * embedded PostgreSQL outlives the run (embedded-postgres's own exit hooks are removed by the
 * platform code); a failure exits non-zero.
 */
export function runBench(main: (defer: Defer) => Promise<void>): void {
  const cleanups: Cleanup[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        await cleanup().catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
      }
    })());
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  main((cleanup) => cleanups.push(cleanup))
    .then(cleanUp, async (error: unknown) => {
      // after a signal, the work fails because its pool was closed under it: not worth reporting
      if (interrupted) return;
      log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await cleanUp();
      process.exit(1);
    })
    .finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
}

// ---------------------------------------------------------------------------------------------
// The database

export interface BenchDatabase {
  /** Owner URL of the scratch database; the migrations ran as this user. */
  readonly url: string;
  /** `SELECT version()`. */
  readonly serverVersion: string;
  /** Which server, and its durability settings as the server reports them. */
  readonly serverDescription: string;
  /** The service's pool: like the running ledger, its connections act as `pi_ledger_app`. */
  ledgerPool(max: number): Promise<Pool>;
  /** A superuser/owner connection, for DDL and bulk work outside the measured code. */
  ownerClient(): Promise<Client>;
  /** Another migrated scratch database on the same server, dropped at the end of the run (its owner URL). */
  sibling(): Promise<string>;
}

/**
 * A migrated scratch database: on DATABASE_URL's server when set, else on a fresh ephemeral
 * embedded PostgreSQL with default settings. Default settings matter: fsync and synchronous_commit
 * stay on, so every commit waits for the WAL flush as in production (the tests turn them off).
 */
export async function openBenchDatabase(defer: Defer): Promise<BenchDatabase> {
  const external = process.env.DATABASE_URL;
  const serverUrl = external ?? (await startScratchServer(defer));
  const name = `pi_ledger_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await ensureDatabase(serverUrl, name);
  defer(() => dropDatabase(serverUrl, name));
  const url = withDatabase(serverUrl, name);
  await migrateLedgerDatabase(url, log);

  const settings = await queryOnce(
    url,
    `SELECT version() AS version, current_setting('fsync') AS fsync,
            current_setting('synchronous_commit') AS synchronous_commit,
            current_setting('shared_buffers') AS shared_buffers`,
  );
  const durability = `fsync=${settings.fsync}, synchronous_commit=${settings.synchronous_commit}, ` + `shared_buffers=${settings.shared_buffers}`;
  return {
    url,
    serverVersion: settings.version,
    serverDescription: external ? `the DATABASE_URL server, scratch database (${durability})` : `a fresh embedded PostgreSQL cluster with default settings (${durability})`,
    async ledgerPool(max) {
      const pool = await createLedgerPool(url, { max, application_name: 'pi-ledger-bench' });
      defer(() => pool.end());
      return pool;
    },
    async ownerClient() {
      const client = new Client({ connectionString: url, application_name: 'pi-ledger-bench-owner' });
      await client.connect();
      defer(() => client.end());
      return client;
    },
    async sibling() {
      const other = `pi_ledger_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
      await ensureDatabase(serverUrl, other);
      defer(() => dropDatabase(serverUrl, other));
      const otherUrl = withDatabase(serverUrl, other);
      await migrateLedgerDatabase(otherUrl, log);
      return otherUrl;
    },
  };
}

async function startScratchServer(defer: Defer): Promise<string> {
  // /tmp is searchable by others, so the server also starts when run as root (as user postgres)
  const dataDir = await mkdtemp(join(tmpdir(), 'pi-ledger-bench-'));
  defer(() => rm(dataDir, { recursive: true, force: true }));
  const lines: string[] = [];
  log(`starting embedded PostgreSQL in ${dataDir}`);
  try {
    const server = await startEmbeddedPostgres({ dataDir, port: 0, ephemeral: true, log: (line) => lines.push(line) });
    defer(() => server.stop());
    return server.url;
  } catch (error) {
    process.stderr.write(lines.join('\n') + '\n');
    throw error;
  }
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function queryOnce(url: string, sql: string): Promise<Record<string, string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0];
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Sample events

export type SampleEvent = Required<Pick<NewEvent, 'type' | 'data' | 'metadata'>>;

/**
 * Events shaped like the ledger's: personal information arrives as per-field AES-GCM envelopes
 * (random base64, as incompressible as real ciphertext; the tag rides in `ct`), plus ids and a
 * purpose. About 580 bytes of JSON data and 190 of metadata. Built before any timing, so making
 * them costs nothing measured.
 */
export function sampleEvents(count: number): SampleEvent[] {
  return Array.from({ length: count }, () => {
    const purposeId = `purpose-${randomBytes(4).toString('hex')}`;
    return {
      type: 'PersonalInfoCollected',
      data: {
        subjectId: randomUUID(),
        purposeId,
        categories: ['contact', 'identity'],
        fields: { name: envelope(24), phone: envelope(16), email: envelope(28), idNumber: envelope(18) },
      },
      metadata: {
        actor: `user:${randomUUID()}`,
        roles: ['intake-clerk'],
        purposeId,
        legalBasis: 'consent',
        correlationId: randomUUID(),
      },
    };
  });
}

function envelope(plaintextBytes: number): { kid: string; iv: string; ct: string } {
  const base64 = (bytes: number) => randomBytes(bytes).toString('base64');
  return { kid: 'pii-2026-11', iv: base64(12), ct: base64(plaintextBytes + 16) };
}

// ---------------------------------------------------------------------------------------------
// Memory and progress

/**
 * Peak resident set size while a read runs. A timer samples every few milliseconds; readers also
 * call `sample()` right after each page, when the page's rows are certainly still referenced.
 */
export class RssSampler {
  private peak: number;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    // collect first so the peak reflects this phase, not garbage left by the previous one
    (globalThis as { gc?: () => void }).gc?.();
    this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => this.sample(), 5);
  }

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

export interface Progress {
  update(value: number): void;
  stop(): void;
}

/** A bar on stderr when it is a terminal; a start and an end line either way (CI logs). */
export function progress(label: string, total: number, unit: string): Progress {
  log(`${label}…`);
  const started = performance.now();
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% {value}/{total} ${unit} {duration}s`,
    stream: process.stderr,
    clearOnComplete: true,
    hideCursor: true,
  });
  if (process.stderr.isTTY) bar.start(total, 0);
  return {
    update: (value) => bar.update(Math.min(value, total)),
    stop() {
      bar.stop();
      log(`${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Timed runs and rounds

/**
 * Runs `work` for about `seconds` under a progress bar that counts them. `work` gets its deadline
 * (a `performance.now()` time); the run's measured length, in seconds, is returned with its result.
 */
export async function timedRun<T>(title: string, seconds: number, work: (deadline: number) => Promise<T>): Promise<{ result: T; seconds: number }> {
  const bar = progress(title, seconds, 's');
  const started = performance.now();
  const ticker = setInterval(() => bar.update(Math.round((performance.now() - started) / 1000)), 250);
  let result: T;
  try {
    result = await work(started + seconds * 1000);
  } finally {
    clearInterval(ticker);
    bar.stop();
  }
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** A pass over a whole log: what it went through, how long it took, and the peak RSS meanwhile. */
export interface Pass {
  events: number;
  seconds: number;
  peakRss: number;
}

/**
 * Times `pass` over `expected` events under a progress bar, sampling RSS whenever it reports
 * progress (after each page or batch, while its rows are still referenced). `pass` returns how many
 * events it went through; checking that against `expected` is the caller's.
 */
export async function measuredPass(title: string, expected: number, pass: (onProgress: (done: number) => void) => Promise<number>): Promise<Pass> {
  const bar = progress(title, expected, 'events');
  const sampler = new RssSampler();
  const started = performance.now();
  let events: number;
  try {
    events = await pass((done) => {
      sampler.sample();
      bar.update(done);
    });
  } finally {
    bar.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  return { events, seconds, peakRss: sampler.stop() };
}

/** The order of the contenders in round `round`: each goes first in turn, so drift falls on all alike. */
export function rotation(round: number, contenders: number): number[] {
  return Array.from({ length: contenders }, (_, turn) => (round + turn) % contenders);
}

export const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** A "by round" cell: each round's rate over the baseline's rate in the same round, "0.93, 0.95". */
export function roundRatios(rates: readonly number[], baselineRates: readonly number[]): string {
  return rates.map((rate, round) => (rate / baselineRates[round]).toFixed(2)).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Reporting

export type Align = 'left' | 'right';

/** A Markdown table padded to align in a terminal too: the same text goes to stdout and the docs. */
export function markdownTable(header: string[], rows: string[][], align: Align[] = []): string {
  const widths = header.map((title, column) => Math.max(title.length, 3, ...rows.map((row) => row[column].length)));
  const pad = (cell: string, column: number) => (align[column] === 'right' ? cell.padStart(widths[column]) : cell.padEnd(widths[column]));
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const dashes = (width: number, column: number) => (align[column] === 'right' ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2));
  const rule = `|${widths.map(dashes).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export const formatCount = (value: number): string => Math.round(value).toLocaleString('en-US');
export const formatRatio = (value: number): string => `${value.toFixed(2)}×`;
export const formatMiB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
export const formatMs = (ms: number): string => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;

/** Where and when a section's figures were measured; each section carries its own. */
export function environmentNote(database: BenchDatabase): string {
  const cpuList = cpus();
  const version = /^PostgreSQL [^ ,]+/.exec(database.serverVersion)?.[0] ?? database.serverVersion;
  return (
    `Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${cpuList.length} × ${cpuList[0]?.model.trim() ?? 'unknown CPU'}, ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${version} on ${database.serverDescription}.`
  );
}

/** The 1-minute load average: other work on the machine (CPUs are few) shows in the absolute rates. */
export const loadAverage = (): number => loadavg()[0];

/** The load average at the start of a run (`loadAverage()` then) and now, for a section's notes. */
export function loadNote(atStart: number): string {
  return `1-minute load average ${atStart.toFixed(2)} when the run started, ${loadAverage().toFixed(2)} when it ended.`;
}

/** The start of docs/benchmarks.md when the file does not exist yet; the intro there is written by hand. */
const DOC_INTRO = `# Benchmarks

The sections below are generated: \`npm run bench:<name>\` replaces its own section with its latest
results. Each section says when and on what machine it was measured.
`;

/**
 * Replaces the text between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->` in
 * docs/benchmarks.md (appending the section, or creating the file, the first time), so each
 * benchmark updates its own figures and leaves the other's alone.
 */
export async function writeDocSection(id: string, body: string): Promise<string> {
  const file = join(repositoryRoot(), 'docs', 'benchmarks.md');
  const open = `<!-- bench:${id} -->`;
  const close = `<!-- /bench:${id} -->`;
  const section = `${open}\n${body.trim()}\n${close}`;
  const current = existsSync(file) ? await readFile(file, 'utf8') : DOC_INTRO;
  const start = current.indexOf(open);
  const end = current.indexOf(close);
  const next = start !== -1 && end > start ? current.slice(0, start) + section + current.slice(end + close.length) : `${current.trimEnd()}\n\n${section}\n`;
  await writeFile(file, next);
  return file;
}

/** The scripts run from dist/bench; the docs live beside the package.json above them. */
function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Realistic subjects

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
/** The birth date of every realistic subject, in identity.birthDate and inside the ID number. */
export const REALISTIC_BIRTH_DATE = '1980-05-01';

/**
 * The n-th resident ID number (GB 11643): a 6-digit region and a 3-digit sequence taken from n, the
 * birth date REALISTIC_BIRTH_DATE, and the check character. Distinct for n below 890,000,000.
 */
export function residentIdNumber(n: number): string {
  const region = 110_000 + Math.floor(n / 1_000);
  const body = `${region}${REALISTIC_BIRTH_DATE.replace(/-/g, '')}${String(n % 1_000).padStart(3, '0')}`;
  const sum = ID_WEIGHTS.reduce((total, weight, index) => total + weight * Number(body[index]), 0);
  return body + ID_CHECK[sum % 11];
}

/** The n-th mainland mobile number, written as people type it. Distinct for n below 10^8. */
export function mobileNumber(n: number): string {
  const digits = String(n % 100_000_000).padStart(8, '0');
  return `139 ${digits.slice(0, 4)} ${digits.slice(4)}`;
}

/**
 * The data of test/support/realistic-subject.ts (a health-management centre's customer file) with
 * the ID number and phone of subject n, per category. A copy: test/ is not part of the build.
 */
export function realisticSubjectData(n: number) {
  return {
    identity: { name: '张伟', gender: 'male', birthDate: REALISTIC_BIRTH_DATE, ethnicity: '汉族' },
    identity_document: { type: 'resident_id', number: residentIdNumber(n) },
    contact: { phone: mobileNumber(n), email: 'Zhang.Wei@Example.cn', address: { province: '北京市', city: '北京市', district: '东城区', line: '东华门街道 12 号' } },
    employment: { employer: '北京某某科技有限公司', title: '工程师' },
    health: {
      conditions: ['2型糖尿病'],
      allergies: ['青霉素'],
      surgeries: [{ name: '阑尾切除术', date: '2010-03-15' }],
      lifestyle: { smoking: '不吸烟', exercise: '每周跑步三次' },
    },
  };
}

/** The body of `POST /v1/subjects` registering subject n (realisticSubjectData, one separate consent). */
export function realisticRegistration(n: number) {
  return {
    purposeId: 'health-management',
    noticeVersion: 'v1',
    channel: 'front-desk',
    consents: [{ purposeId: 'health-management', categories: ['health', 'identity_document', 'health_records'], separate: true }],
    data: realisticSubjectData(n),
  };
}

/** The value at `fraction` (0..1) of the sorted values; 0 when there are none. */
export function percentileOf(values: readonly number[], fraction: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** Seconds as the reports print them. */
export const formatSeconds = (seconds: number): string => `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;

/**
 * CPU seconds (user + system) used so far by the PostgreSQL server `client` is connected to: the
 * postmaster, its live children, and the children it has reaped. Read from /proc, so only for a
 * server on this machine under Linux; undefined otherwise.
 */
export async function serverCpuSeconds(client: Pick<Client, 'query'>): Promise<number | undefined> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const stat = async (pid: number | string): Promise<number[] | undefined> => {
    try {
      const text = await readFile(`/proc/${pid}/stat`, 'utf8');
      // the command name sits in parentheses and may hold spaces: the fields follow the last ')'
      return text
        .slice(text.lastIndexOf(')') + 2)
        .split(' ')
        .map(Number);
    } catch {
      return undefined;
    }
  };
  const backend = await stat(rows[0].pid);
  if (!backend) return undefined;
  const postmaster = backend[1]; // field 4, ppid
  const ticks = 100; // USER_HZ
  let total = 0;
  const own = await stat(postmaster);
  if (!own) return undefined;
  total += own[11] + own[12] + own[13] + own[14]; // utime, stime, cutime, cstime
  const { readdir } = await import('node:fs/promises');
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === postmaster) continue;
    const fields = await stat(entry);
    if (fields && fields[1] === postmaster) total += fields[11] + fields[12];
  }
  return total / ticks;
}

/** CPU seconds (user + system) used so far by this process, all its threads. */
export function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** What the database's backends were busy with, over the samples of a PgActivitySampler. */
export interface ActivityProfile {
  samples: number;
  /** Samples in which no backend of the database was running a statement. */
  idleSamples: number;
  /** Active-backend observations per statement kind (as the classifier names them). */
  byKind: Map<string, number>;
}

/** Names a statement for a PgActivitySampler: its text and, when it waits, the wait event (e.g. WalSync, WALWrite). */
export type StatementClassifier = (query: string, waitEvent: string | null) => string;

const firstWords: StatementClassifier = (query, waitEvent) => {
  const text = query.replace(/\s+/g, ' ').trim().slice(0, 60);
  return waitEvent ? `${text} [${waitEvent}]` : text;
};

/**
 * A poor man's profile of the server: every `intervalMs`, what each backend of the database is
 * running (pg_stat_activity, state 'active'), from a connection of its own.
 */
export class PgActivitySampler {
  private readonly profile: ActivityProfile = { samples: 0, idleSamples: 0, byKind: new Map() };
  private running = true;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly client: Client,
    private readonly classify: StatementClassifier,
    private readonly intervalMs: number,
  ) {
    this.loop = this.sampleUntilStopped();
  }

  static async start(url: string, classify: StatementClassifier = firstWords, intervalMs = 20): Promise<PgActivitySampler> {
    const client = new Client({ connectionString: url, application_name: 'pi-ledger-bench-activity' });
    await client.connect();
    return new PgActivitySampler(client, classify, intervalMs);
  }

  async stop(): Promise<ActivityProfile> {
    this.running = false;
    await this.loop;
    await this.client.end();
    return this.profile;
  }

  private async sampleUntilStopped(): Promise<void> {
    while (this.running) {
      const { rows } = await this.client.query<{ query: string; wait_event: string | null }>(
        `SELECT query, wait_event FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      this.profile.samples++;
      if (rows.length === 0) this.profile.idleSamples++;
      for (const row of rows) {
        const kind = this.classify(row.query, row.wait_event);
        this.profile.byKind.set(kind, (this.profile.byKind.get(kind) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
  }
}

/** The profiles of several runs as one (runs without a profile are skipped). */
export function mergeActivity(profiles: readonly (ActivityProfile | undefined)[]): ActivityProfile {
  const merged: ActivityProfile = { samples: 0, idleSamples: 0, byKind: new Map() };
  for (const profile of profiles) {
    if (!profile) continue;
    merged.samples += profile.samples;
    merged.idleSamples += profile.idleSamples;
    for (const [kind, count] of profile.byKind) merged.byKind.set(kind, (merged.byKind.get(kind) ?? 0) + count);
  }
  return merged;
}

/** "1.4 backends busy on average; kind 40%, kind 25%, kind 10%": the `top` busiest kinds. */
export function describeActivity(profile: ActivityProfile, top = 3): string {
  const observations = [...profile.byKind.values()].reduce((total, count) => total + count, 0);
  const kinds = [...profile.byKind.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const busy = `${(observations / Math.max(1, profile.samples)).toFixed(1)} backends busy on average`;
  return `${busy}; ${kinds.map(([kind, count]) => `${kind} ${Math.round((100 * count) / Math.max(1, observations))}%`).join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// Logs generated inside PostgreSQL

/** The shared sample events in `table` with their canonical digests, so that logs can be generated inside PostgreSQL. */
export async function createEventTemplates(owner: Client, table: string, count: number): Promise<void> {
  const events = sampleEvents(count);
  await owner.query(`CREATE TABLE ${table} (slot int PRIMARY KEY, type text, data jsonb, metadata jsonb, digest bytea)`);
  await owner.query(
    `INSERT INTO ${table} (slot, type, data, metadata, digest)
     SELECT slot - 1, type, data, metadata, digest
       FROM unnest($1::text[], $2::jsonb[], $3::jsonb[], $4::bytea[]) WITH ORDINALITY AS t(type, data, metadata, digest, slot)`,
    [
      events.map((event) => event.type),
      events.map((event) => JSON.stringify(event.data)),
      events.map((event) => JSON.stringify(event.metadata)),
      events.map((event) => sha256(canonicalJson(event.data))),
    ],
  );
}

export interface GeneratedEvents {
  /** The table createEventTemplates filled, and how many templates it holds. */
  templates: { table: string; count: number };
  /** Events `from + 1 .. to` are generated. */
  from: number;
  to: number;
  /** Event i is version i / streams + 1 of stream `<streamPrefix><i % streams>`, so a later call continues every stream. */
  streams: number;
  streamPrefix: string;
  /** Events per transaction. */
  chunk: number;
  /** Afterwards, VACUUM and ANALYZE (as autovacuum would after such a load), or ANALYZE only. */
  after: 'VACUUM (ANALYZE)' | 'ANALYZE';
  label?: string;
}

/**
 * Appends events straight into ledger_events (its triggers refuse only UPDATE, DELETE and TRUNCATE),
 * a transaction per chunk, with sequential event ids like UUIDv7s; returns `to`.
 */
export async function generateEvents(owner: Client, options: GeneratedEvents): Promise<number> {
  const { templates, from, to, chunk } = options;
  if (to <= from) return from;
  const bar = progress(`${options.label ?? 'generating events'} ${formatCount(from + 1)}..${formatCount(to)}`, to - from, 'events');
  try {
    for (let first = from + 1; first <= to; first += chunk) {
      const last = Math.min(to, first + chunk - 1);
      await owner.query(
        `INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
         SELECT ('01900000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, $4::text || (i % $3),
                i / $3 + 1, t.type, 1, t.data, t.metadata, t.digest
           FROM generate_series($1::bigint, $2::bigint) AS i
           JOIN ${templates.table} t ON t.slot = i % ${templates.count}
          ORDER BY i`,
        [first, last, options.streams, options.streamPrefix],
      );
      bar.update(last - from);
    }
  } finally {
    bar.stop();
  }
  await owner.query(`${options.after} ledger_events`);
  return to;
}

// ---------------------------------------------------------------------------------------------
// The API in the benchmark's process

/**
 * An app that fails to start leaves the connections it opened behind (Nest hands out nothing to
 * close them with); dropping the scratch database then terminates them, and an 'error' event of
 * one nobody listens to would end the process before the embedded server is stopped. So after
 * such a failure those errors are only logged: the run fails anyway.
 */
export async function startingApp<App>(create: () => Promise<App>): Promise<App> {
  try {
    return await create();
  } catch (error) {
    process.on('uncaughtException', (stray) => {
      log(`after the failed start: ${stray.message}`);
      process.exitCode = 1;
    });
    throw error;
  }
}

/**
 * The service's logger as production configures it (info, PI redacted) except for where it
 * writes: info lines are formatted and dropped, warnings and errors reach stderr.
 */
export function serviceLogger(): Logger {
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  return pino(
    {
      level: 'info',
      base: { service: 'pi-ledger' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactPi(object) as Record<string, unknown>,
      },
    },
    pino.multistream([
      { level: 'info', stream: discard },
      { level: 'warn', stream: process.stderr },
    ]),
  );
}

/**
 * The configuration of an API over `database`: `base` (what `loadConfig` read) with a free loopback
 * port, fresh keys and a scratch data directory, removed at the end.
 */
export async function apiConfig(database: BenchDatabase, defer: Defer, base: LedgerConfig): Promise<LedgerConfig> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pi-ledger-bench-api-'));
  defer(() => rm(dataDir, { recursive: true, force: true }));
  return {
    ...base,
    databaseUrl: database.url,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    masterKey: randomBytes(32),
    jwtSecret: randomBytes(32).toString('base64url'),
    logLevel: 'info',
  };
}

/** Listens on a free loopback port and returns the URL; the app is closed (projector stopped, pool ended) before the database goes. */
export async function listenOnLoopback(app: NestFastifyApplication, defer: Defer): Promise<string> {
  defer(() => app.close());
  await app.listen(0, '127.0.0.1');
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

// ---------------------------------------------------------------------------------------------
// The plaintext baseline: the same API without encryption (bench:commands, bench:queries)

/** Marks the pass-through vault's envelopes; a uuid's length, like a real data key id. */
export const PLAINTEXT_KID = '00000000-0000-0000-0000-000000000000';

/**
 * A vault that keeps values in clear: envelopes of the real shape and size (a uuid-long kid, a
 * 12-byte iv and a 16-byte tag in base64, the value's UTF-8 JSON in base64 as `ct`), so the events
 * and read-model rows stored are as large as the real ones; no data keys, no cipher. Blind indexes
 * are a plain HMAC.
 */
export class PassThroughVault implements Pick<PiiVault, keyof PiiVault> {
  private static readonly IV = Buffer.alloc(12).toString('base64');
  private static readonly TAG = Buffer.alloc(16).toString('base64');
  private readonly indexKey = randomBytes(32);

  readonly kekId = 'plaintext';
  readonly cachedKeys = 0;

  async listenForShreds(): Promise<void> {}
  async close(): Promise<void> {}

  async prepareKeys(): Promise<void> {}

  /** No keys, so none to draft: the codec seals as sealAll, and the append carries no key row. */
  canDraftKeys(): boolean {
    return false;
  }

  draftKeys(): never {
    throw new Error('the pass-through vault makes no data keys');
  }

  adopt(): void {}

  async encrypt(context: FieldContext, value: JsonValue): Promise<EncryptedValue> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`field ${context.field} of event ${context.eventId} is not a JSON value`);
    return { v: 1, kid: PLAINTEXT_KID, iv: PassThroughVault.IV, ct: Buffer.from(text, 'utf8').toString('base64'), tag: PassThroughVault.TAG };
  }

  async decrypt(_context: FieldContext, value: EncryptedValue): Promise<JsonValue> {
    return JSON.parse(Buffer.from(value.ct, 'base64').toString('utf8')) as JsonValue;
  }

  async encryptFields(context: Omit<FieldContext, 'field'>, fields: Record<string, JsonValue>): Promise<Record<string, EncryptedValue>> {
    const out: Record<string, EncryptedValue> = {};
    for (const [field, value] of Object.entries(fields)) out[field] = await this.encrypt({ ...context, field }, value);
    return out;
  }

  async decryptFields(context: Omit<FieldContext, 'field'>, fields: Record<string, EncryptedValue>): Promise<Record<string, JsonValue>> {
    const out: Record<string, JsonValue> = {};
    for (const [field, value] of Object.entries(fields)) out[field] = await this.decrypt({ ...context, field }, value);
    return out;
  }

  blindIndex(kind: BlindIndexKind, value: string): string {
    const normalise = {
      phone: normalisePhone,
      email: normaliseEmail,
      id_number: normaliseIdNumber,
      name_prefix: (text: string) => text,
      tag: normaliseTag,
      health_term: normaliseTag,
    }[kind];
    return createHmac('sha256', this.indexKey)
      .update(`${kind}\n${normalise(value)}`, 'utf8')
      .digest('hex');
  }

  keyedDigest(domain: string, value: string): string {
    return createHmac('sha256', this.indexKey).update(`digest:${domain}\n${value}`, 'utf8').digest('hex');
  }

  async shred(): Promise<ShredTombstone[]> {
    throw new Error('the pass-through vault of the benchmark cannot shred');
  }
  async tombstones(): Promise<ShredTombstone[]> {
    return [];
  }
  async hasLiveKey(): Promise<boolean> {
    return true;
  }
  async rotateKek(): Promise<{ rewrapped: number }> {
    throw new Error('the pass-through vault of the benchmark has no master key');
  }
  evictSubject(): void {}
  evictAll(): void {}
}

/** PiiVaultModule's stand-in: global like it, so every module that injects PII_VAULT gets this one. */
@Global()
@Module({})
class PassThroughVaultModule {
  static forRoot(vault: PassThroughVault): DynamicModule {
    return { module: PassThroughVaultModule, providers: [{ provide: PII_VAULT, useValue: vault }], exports: [PII_VAULT] };
  }
}

@Module({})
class PlaintextLedgerApiModule {}

/**
 * LedgerApiModule as it is, except that PiiVaultModule (global, it provides PII_VAULT to every
 * module: the command path, the in-process projections and the read-model queries) is replaced by
 * PassThroughVaultModule: the same other imports, controllers and providers.
 */
export function plaintextLedgerApiModule(config: LedgerConfig, logger: Logger, vault: PassThroughVault): DynamicModule {
  const real = LedgerApiModule.forRoot(config, logger);
  const imports = (real.imports ?? []).map((imported) => (imported === PiiVaultModule ? PassThroughVaultModule.forRoot(vault) : imported));
  if (!(real.imports ?? []).includes(PiiVaultModule)) {
    throw new Error('LedgerApiModule no longer imports PiiVaultModule directly: update the plaintext baseline in bench/bench-support.ts');
  }
  return { module: PlaintextLedgerApiModule, imports, controllers: real.controllers, providers: real.providers };
}

/** The plaintext baseline as an app, like `createLedgerApi(config, logger)` for the real one. */
export function createPlaintextLedgerApi(config: LedgerConfig, logger: Logger): Promise<NestFastifyApplication> {
  return createHttpApp(plaintextLedgerApiModule(config, logger, new PassThroughVault()), logger);
}

/**
 * Waits until every projection has applied every event, polling every `pollMs`; fails when one has
 * failed or after `timeoutMs`. `verbose`: the lag on stderr every 10 s.
 */
export async function waitForProjections(owner: Client, options: { timeoutMs: number; pollMs: number; verbose?: boolean }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let reported = 0;
  for (;;) {
    const { rows } = await owner.query<{ name: string; lag: number; status: string }>(
      `SELECT c.name, c.status, (SELECT count(*)::int FROM ledger_events e
                      WHERE (e.transaction_id, e.position) > (c.transaction_id::text::xid8, c.position)) AS lag
         FROM projection_checkpoints c`,
    );
    const failed = rows.find((row) => row.status === 'failed');
    if (failed) throw new Error(`projection ${failed.name} failed`);
    if (rows.length > 0 && rows.every((row) => row.lag === 0)) return;
    if (Date.now() > deadline) throw new Error(`projections still lag: ${rows.map((row) => `${row.name} ${row.lag}`).join(', ')}`);
    if (options.verbose && Date.now() - reported > 10_000) {
      reported = Date.now();
      log(
        `lag: ${rows
          .filter((row) => row.lag > 0)
          .map((row) => `${row.name} ${formatCount(row.lag)}`)
          .join(', ')}`,
      );
    }
    await sleep(options.pollMs);
  }
}

/**
 * Counts the statements every pg client of this process sends (one increment per call), except the
 * clients excluded (the benchmark's own owner connection). Install once, before the app starts;
 * pg.Pool#query goes through Client#query, so each statement counts once.
 */
export const statementCounter = {
  count: 0,
  excluded: new WeakSet<Client>(),
  install(): void {
    const original = Client.prototype.query;
    const counter = this;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      if (!counter.excluded.has(this)) counter.count++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
  },
};

// ---------------------------------------------------------------------------------------------
// HTTP load: autocannon in a worker thread
//
// The load generator runs in a worker thread of the benchmark's process (the benchmark's own
// script, started again as a worker), so it has an event loop of its own and does not queue behind
// the API's. The main thread hands it one job at a time.

/** What one autocannon run answered. Latencies are autocannon's per-request response times. */
export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  latenciesMs: number[];
  statusCodes: Record<string, number>;
  firstFailure?: string;
}

export interface Load {
  url: string;
  connections: number;
  seconds: number;
  method: 'GET' | 'POST';
  /** The path of every request, unless `eachRequest` sets one. */
  path?: string;
  headers: Record<string, string>;
  /** Called for every request sent: the path or body that request has of its own. */
  eachRequest?: () => { path?: string; body?: string };
}

/** The shape autocannon resolves with in a worker thread (it aggregates only on the main thread). */
interface RawAutocannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats: Record<string, { count?: number }>;
}

/** In the load worker: one autocannon run, HTTP/1.1 keep-alive, no pipelining; keeps every response time and the first failure's answer. */
export async function runAutocannon(load: Load): Promise<LoadResult> {
  // loaded here: only the worker thread uses it
  const { default: autocannon } = await import('autocannon');
  let firstFailure: string | undefined;
  const latenciesMs: number[] = [];
  const eachRequest = load.eachRequest;
  const instance = autocannon({
    url: load.url,
    connections: load.connections,
    pipelining: 1,
    duration: load.seconds,
    timeout: 30,
    headers: load.headers,
    requests: [
      {
        method: load.method,
        ...(load.path === undefined ? {} : { path: load.path }),
        ...(eachRequest ? { setupRequest: (request: AutocannonRequest) => ({ ...request, ...eachRequest() }) } : {}),
        onResponse: (status: number, body: string) => {
          if (status >= 300 && firstFailure === undefined) firstFailure = `HTTP ${status}: ${body.slice(0, 600)}`;
        },
      },
    ],
  });
  // autocannon emits (client, status, bytes, ms), its type definitions say (status, bytes, ms)
  (instance as unknown as EventEmitter).on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latenciesMs.push(responseTime);
  });
  const raw = (await instance) as unknown as RawAutocannonResult;
  return {
    ok: raw['2xx'],
    non2xx: raw.non2xx,
    errors: raw.errors,
    timeouts: raw.timeouts,
    seconds: raw.duration,
    latenciesMs,
    statusCodes: Object.fromEntries(Object.entries(raw.statusCodeStats).map(([code, stats]) => [code, stats.count ?? 0])),
    firstFailure,
  };
}

type LoadReply<Result> = { result?: Result; error?: string };

/** The options of every load benchmark: --connections, --seconds per measured run, --rounds, --warm-up seconds per contender. */
export interface LoadSettings {
  connections: number;
  seconds: number;
  rounds: number;
  warmUp: number;
}

export function loadSettings(defaults: LoadSettings): LoadSettings {
  return {
    connections: intOption('connections', 'BENCH_CONNECTIONS', defaults.connections),
    seconds: intOption('seconds', 'BENCH_SECONDS', defaults.seconds),
    rounds: intOption('rounds', 'BENCH_ROUNDS', defaults.rounds),
    warmUp: intOption('warm-up', 'BENCH_WARM_UP', defaults.warmUp),
  };
}

/** A load benchmark's entry point: `main` on the main thread, `handle` for the jobs in the load worker (the same script). */
export function runLoadBench<Job, Result>(main: (defer: Defer) => Promise<void>, handle: (job: Job) => Promise<Result>): void {
  if (isMainThread) runBench(main);
  else serveLoadJobs(handle);
}

/** In the load worker: answers every job the main thread posts with `handle(job)`'s result, or its error. */
export function serveLoadJobs<Job, Result>(handle: (job: Job) => Promise<Result>): void {
  const port = parentPort;
  if (!port) throw new Error('the load worker runs in a worker thread');
  port.on('message', (job: Job) => {
    handle(job).then(
      (result) => port.postMessage({ result } satisfies LoadReply<Result>),
      (error: unknown) => port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies LoadReply<Result>),
    );
  });
}

/** The main thread's handle on the load worker: one job at a time. */
export class LoadWorker<Job, Result> {
  private pending?: { resolve: (reply: LoadReply<Result>) => void; reject: (error: Error) => void };
  private failure?: Error;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: LoadReply<Result>) => this.settle((pending) => pending.resolve(reply)));
    // without a listener an 'error' event would crash the process before the cleanups ran
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the load worker exited with code ${code}`)));
  }

  /** Starts `script` (the benchmark's own, `__filename`) as the worker, with `workerData` if given; stopped at the end of the run. */
  static async start<Job, Result>(script: string, defer: Defer, workerData?: unknown): Promise<LoadWorker<Job, Result>> {
    const worker = new Worker(script, workerData === undefined ? {} : { workerData });
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    const handle = new LoadWorker<Job, Result>(worker);
    defer(() => handle.stop());
    return handle;
  }

  async run(job: Job): Promise<Result> {
    if (this.failure) throw this.failure;
    const reply = new Promise<LoadReply<Result>>((resolve, reject) => (this.pending = { resolve, reject }));
    this.worker.postMessage(job);
    const { result, error } = await reply;
    if (!result) throw new Error(`load worker: ${error}`);
    return result;
  }

  async stop(): Promise<void> {
    this.failure ??= new Error('the load worker was stopped');
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.settle((pending) => pending.reject(error));
  }

  private settle(action: (pending: NonNullable<LoadWorker<Job, Result>['pending']>) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) action(pending);
  }
}

/** Pause after each run, so requests still in flight when autocannon stops finish before the next. */
export const LOAD_DRAIN_MS = 1_000;

/** 2xx answers per second. */
export const requestRate = (run: LoadResult): number => run.ok / run.seconds;

/** The counts of several runs as one (status codes are not kept). */
export function combineLoads(runs: readonly LoadResult[]): LoadResult {
  return {
    ok: sum(runs.map((run) => run.ok)),
    non2xx: sum(runs.map((run) => run.non2xx)),
    errors: sum(runs.map((run) => run.errors)),
    timeouts: sum(runs.map((run) => run.timeouts)),
    seconds: sum(runs.map((run) => run.seconds)),
    latenciesMs: runs.flatMap((run) => run.latenciesMs),
    statusCodes: {},
  };
}

/** For a run's log line: " (12 × 503; 0 errors); first failure: …" when anything failed, else "". */
export function failureNote(run: LoadResult): string {
  const failures = run.errors + run.non2xx;
  if (!failures) return '';
  const codes = Object.entries(run.statusCodes)
    .map(([code, count]) => `${count} × ${code}`)
    .join(', ');
  return ` (${codes}; ${run.errors} errors); first failure: ${run.firstFailure ?? 'none'}`;
}

/** Fails the benchmark (after its report is written) when any measured request failed. */
export function assertNoFailedRequests(runs: readonly LoadResult[]): void {
  const failed = runs.find((run) => run.errors > 0 || run.non2xx > 0);
  if (failed) throw new Error(`requests failed (${failed.errors} errors, ${failed.non2xx} non-2xx); first: ${failed.firstFailure ?? 'a connection error'}`);
}

/** `POST url+path` as `token`, expecting 201 with the string `idOf` in the answer; returns it. */
export async function postForId(url: string, token: string, path: string, body: unknown, idOf: string): Promise<string> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status !== 201 || typeof answer[idOf] !== 'string') throw new Error(`${path} answered ${response.status} ${JSON.stringify(answer)}`);
  return answer[idOf];
}
