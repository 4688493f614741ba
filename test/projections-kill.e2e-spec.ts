import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { PostgresEventStore } from '../libs/event-store/src/postgres/postgres-event-store';
import { NewEvent } from '../libs/event-store/src/event-store.port';

const root = join(__dirname, '..');

/**
 * kill -9 at an arbitrary moment, as ops would suffer it: the read model comes back equal to a
 * clean rebuild. Real child processes: the CLI mid-rebuild, and a projector worker mid-catch-up.
 */
describe('projections survive kill -9', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let dataDir: string;
  const env = () => ({ ...process.env, DATABASE_URL: database.url, LEDGER_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
    database = await createTestDatabase();
    store = new PostgresEventStore(database.pool);
    dataDir = mkdtempSync(join(tmpdir(), 'pi-ledger-kill-'));
    // 30,000 consents for 3,000 subjects: no PI in them, so no vault is involved in the check
    for (let batch = 0; batch < 30; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, s) => {
          const subjectId = `01900000-0000-7000-8000-${String(batch * 100 + s).padStart(12, '0')}`;
          const events: NewEvent[] = Array.from({ length: 10 }, (_, i) => ({
            type: 'ConsentGranted',
            data: {
              subjectId,
              consentId: randomUUID(),
              purposeId: i % 2 ? 'marketing' : 'research',
              categories: ['contact'],
              separate: false,
              noticeVersion: 'v1',
              channel: 'app',
              grantedAt: '2026-11-01T00:00:00.000Z',
            },
            metadata: { actor: 'seed', roles: ['staff'], correlationId: 'seed' },
          }));
          return store.appendToStream(`subject-${subjectId}`, events);
        }),
      );
    }
  });
  afterAll(async () => {
    await store.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const snapshot = async () => (await database.pool.query(`SELECT * FROM consent_register ORDER BY consent_id`)).rows;
  const cli = (...args: string[]) => execFileSync('node', ['dist/apps/ledger-cli/src/main.js', ...args], { cwd: root, env: env(), encoding: 'utf8' });

  it('resumes a rebuild killed mid-way and ends equal to a clean rebuild', async () => {
    const child = spawn('node', ['dist/apps/ledger-cli/src/main.js', 'projections', 'rebuild', 'consent_register'], { cwd: root, env: env(), stdio: 'ignore' });
    await until(async () => Number((await database.pool.query(`SELECT coalesce(max(position), 0) AS p FROM projection_rebuilds WHERE name = 'consent_register'`)).rows[0].p) > 0);
    await kill9(child);
    expect((await database.pool.query(`SELECT count(*)::int AS n FROM projection_rebuilds`)).rows[0].n).toBe(1);

    // a rebuild whose heartbeat is older than --stale-after is taken over and resumed: wait until the
    // killed one's is, on the database's clock, which is the one the take-over reads
    await until(
      async () => (await database.pool.query(`SELECT heartbeat_at < now() - interval '1 second' AS stale FROM projection_rebuilds WHERE name = 'consent_register'`)).rows[0].stale,
    );
    expect(cli('projections', 'rebuild', 'consent_register', '--stale-after', '1')).toMatch(/rebuilt \d+ events into generation 2 \(resumed\) in/);
    const resumed = await snapshot();
    expect(resumed).toHaveLength(30_000);

    expect(cli('projections', 'rebuild', 'consent_register')).toMatch(/into generation 3 in/);
    expect(await snapshot()).toEqual(resumed);
  });

  it('a projector worker killed mid-catch-up is replaced and the read model equals a clean rebuild', async () => {
    cli('projections', 'pause', 'consent_register');
    await database.pool.query(`UPDATE projection_checkpoints SET transaction_id = 0, position = 0 WHERE name = 'consent_register'`);
    await database.pool.query(`DELETE FROM consent_register__g3`);
    cli('projections', 'resume', 'consent_register');
    const first = startProjector();
    await until(async () => (await database.pool.query(`SELECT count(*)::int AS n FROM consent_register`)).rows[0].n > 1000);
    await kill9(first);
    const second = startProjector(); // takes the lease over once the killed worker's expires
    await until(async () => (await database.pool.query(`SELECT count(*)::int AS n FROM consent_register`)).rows[0].n === 30_000, 60_000);
    const afterKill = await snapshot();
    second.kill('SIGTERM');
    expect(cli('projections', 'rebuild', 'consent_register')).toMatch(/into generation 4 in/);
    expect(await snapshot()).toEqual(afterKill);
  });

  function startProjector(): ChildProcess {
    return spawn('node', ['dist/apps/projector/src/main.js'], { cwd: root, env: env(), stdio: 'ignore' });
  }
});

async function kill9(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function until(check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const start = Date.now(); !(await check());) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
