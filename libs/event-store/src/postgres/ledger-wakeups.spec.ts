import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { LEDGER_CHANNEL, LedgerWakeups } from './ledger-wakeups';

/** The LISTEN connection of the wake-ups, lost the way a dying server loses it: terminated by the server. */
describe('LedgerWakeups when its LISTEN connection is lost', () => {
  let database: TestDatabase;
  let owner: Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    owner = await database.ownerClient();
  });
  afterAll(() => database.close());

  const listenerPids = async () =>
    (await owner.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`, [`LISTEN ${LEDGER_CHANNEL}`])).rows.map(
      (row) => row.pid,
    );

  it('wakes its waiters, drops the client once, listens again on the next wait, and hears other processes again', async () => {
    const wakeups = new LedgerWakeups(database.pool);
    try {
      void wakeups.wait(wakeups.generation, 50); // the first wait opens the LISTEN connection
      await until(async () => (await listenerPids()).length === 1);
      const [first] = await listenerPids();

      const generation = wakeups.generation;
      const woken = wakeups.wait(generation, 10_000);
      await owner.query('SELECT pg_terminate_backend($1)', [first]); // FATAL 57P01, then the socket's end: two errors
      await woken;
      expect(wakeups.generation).toBeGreaterThan(generation); // woken by the loss, not the 10 s timeout

      // the next wait listens on a new connection; a NOTIFY from another process wakes it
      void wakeups.wait(wakeups.generation, 50);
      await until(async () => (await listenerPids()).some((pid) => pid !== first));
      const before = wakeups.generation;
      const notified = wakeups.wait(before, 10_000);
      await owner.query(`SELECT pg_notify('${LEDGER_CHANNEL}', '')`);
      await notified;
      expect(wakeups.generation).toBeGreaterThan(before);
    } finally {
      await wakeups.close();
    }
    await until(async () => (await listenerPids()).length === 0); // close() ends the LISTEN connection
  });
});

async function until(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  for (const start = Date.now(); !(await check());) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
