import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LedgerCliModule } from '../apps/ledger-cli/src/ledger-cli.module';
import { loadConfig } from '../libs/platform/src/config/ledger-config';
import { runCli } from './support/cli-run';
import { cleanRow, IMPORT_HEADERS, writeCsv } from './support/import-files';
import { startTestApi, TestApi } from './support/test-api';
import { waitUntil } from './support/wait-until';

const root = join(__dirname, '..');
// enough rows that the child is still importing when killed: it takes 256 rows at a time and writes a batch together
const ROWS = 1500;

/** kill -9 of `ledger import customers` mid-file (a real child process), then the same command again: every row once, no customer twice. */
describe('an import killed with SIGKILL', () => {
  let api: TestApi;
  let dir: string;

  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
    api = await startTestApi();
    dir = mkdtempSync(join(tmpdir(), 'pi-ledger-import-kill-'));
  }, 300_000);

  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes on the next run and registers every row exactly once', async () => {
    const path = join(dir, 'kill.csv');
    writeCsv(
      path,
      IMPORT_HEADERS,
      Array.from({ length: ROWS }, (_, i) => cleanRow(i, '强杀', 6)),
    );
    const args = ['import', 'customers', path, '--purpose', 'health-management', '--notice-version', 'v1', '--no-progress'];
    const child = spawn('node', ['dist/apps/ledger-cli/src/main.js', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: api.database.url, LEDGER_DATA_DIR: api.dataDir, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const rowsDone = async () => (await api.database.pool.query(`SELECT count(*)::int AS n FROM import_job_rows`)).rows[0].n as number;
    await waitUntil('rows done by the child', async () => ((await rowsDone()) >= 40 ? true : undefined), 120_000, 10);
    child.kill('SIGKILL');
    await exited;
    const killedAt = await rowsDone();
    expect(killedAt).toBeLessThan(ROWS);
    const job = (await api.database.pool.query(`SELECT job_id, state FROM import_jobs`)).rows[0];
    expect(job.state).toBe('running');

    const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: api.database.url, dataDir: api.dataDir };
    const run = await runCli(LedgerCliModule.forRoot(config, pino({ level: 'silent' })), args);
    expect(run.stderr).toContain(`resuming job ${job.job_id}`);
    const report = JSON.parse(run.stdout);
    expect(report).toEqual(expect.objectContaining({ jobId: job.job_id, state: 'completed' }));
    expect(report.rows).toEqual(expect.objectContaining({ read: ROWS, total: ROWS, imported: ROWS, refused: 0, duplicates: 0 }));

    const registered = await api.database.pool.query(
      `SELECT metadata->>'importRow' AS row, count(*)::int AS n FROM ledger_events WHERE type = 'SubjectRegistered' AND metadata->>'importJobId' = $1 GROUP BY 1`,
      [job.job_id],
    );
    expect(registered.rows).toHaveLength(ROWS);
    expect(registered.rows.every((row) => row.n === 1)).toBe(true);
    // no customer numbered twice (a number lost to contention is the back-fill's, as for POST /v1/subjects)
    const numbers = await api.database.pool.query(
      `SELECT data->>'subjectId' AS subject, count(*)::int AS n FROM ledger_events WHERE type = 'CustomerNumberAllocated' AND metadata->>'importJobId' = $1 GROUP BY 1`,
      [job.job_id],
    );
    expect(numbers.rows.length).toBeGreaterThan(0);
    expect(numbers.rows.every((row) => row.n === 1)).toBe(true);
  }, 300_000);
});
