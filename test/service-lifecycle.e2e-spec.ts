import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Client } from 'pg';

const root = join(__dirname, '..');

/**
 * The service as a user runs it: built, started on the embedded PostgreSQL of a fresh data dir,
 * stopped with SIGTERM, started again on the same data.
 */
describe('npm start on the embedded PostgreSQL', () => {
  let dataDir: string;
  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
    dataDir = await mkdtemp(join(tmpdir(), 'pi-ledger-lifecycle-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('initialises, serves, stops PostgreSQL on SIGTERM, and keeps its data across restarts', async () => {
    const first = await startService(dataDir);
    expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
    const state = JSON.parse(await readFile(join(dataDir, 'pg.json'), 'utf8'));
    const pgUrl = `postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/pi_ledger`;
    const marker = await withClient(pgUrl, async (client) => {
      const { rows } = await client.query(
        `INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
         VALUES (gen_random_uuid(), 'lifecycle', 1, 'Marked', 1, '{}', '{"actor":"t","roles":[],"correlationId":"c"}', sha256('{}'::bytea))
         RETURNING position AS last_position`,
      );
      return rows[0].last_position;
    });
    await stopService(first.child, 'SIGTERM');
    await expect(withClient(pgUrl, async () => 'connected')).rejects.toThrow();

    const second = await startService(dataDir);
    expect((await fetch(`${second.url}/health/ready`)).status).toBe(200);
    const positions = await withClient(pgUrl, async (client) => (await client.query(`SELECT position FROM ledger_events WHERE stream_id = 'lifecycle'`)).rows);
    expect(positions).toEqual([{ position: marker }]);
    await stopService(second.child, 'SIGINT');
  });

  it('fails fast with a clear message on invalid configuration', () => {
    let output = '';
    try {
      execFileSync('node', ['dist/apps/ledger-api/src/main.js'], { cwd: root, env: { ...process.env, PORT: 'eighty', LOG_LEVEL: 'loud' }, stdio: 'pipe' });
    } catch (error) {
      const failure = error as { status: number; stderr: Buffer };
      expect(failure.status).toBe(78);
      output = failure.stderr.toString();
    }
    expect(output).toContain('PORT must be an integer from 0 to 65535 (got "eighty")');
    expect(output).toContain('LOG_LEVEL must be one of');
  });
});

async function startService(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, LEDGER_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  const child = spawn('node', ['dist/apps/ledger-api/src/main.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; waited < 60_000; waited += 250) {
    if (child.exitCode !== null) throw new Error(`service exited early: ${output}`);
    if (output.includes('API listening')) return { child, url };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`service did not start: ${output}`);
}

async function stopService(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  expect(await exited).toBe(0);
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
