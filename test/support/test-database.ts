import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { createLedgerPool, ensureDatabase, withDatabase } from '../../libs/platform/src/database/ledger-database';

export const TEMPLATE_DATABASE = 'pi_ledger_template';
export const TEST_SERVER_URL_ENV = 'PI_LEDGER_TEST_SERVER_URL';

export interface TestDatabase {
  /** Owner connection: migrations ran as this user. */
  readonly url: string;
  /** The service's pool: connections act as the least-privilege role. */
  readonly pool: Pool;
  /** An owner (superuser) client, for tests that act as a database administrator would. */
  ownerClient(): Promise<Client>;
  close(): Promise<void>;
}

/** A fresh, migrated database cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env[TEST_SERVER_URL_ENV];
  if (!serverUrl) throw new Error(`${TEST_SERVER_URL_ENV} is unset: run the tests through jest (npm test)`);
  const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, 'pg_advisory_lock_shared', () => retry(() => ensureDatabase(serverUrl, name, TEMPLATE_DATABASE)));
  const url = withDatabase(serverUrl, name);
  const pool = await createLedgerPool(url, { max: 12 });
  const owners: Client[] = [];
  return {
    url,
    pool,
    async ownerClient() {
      const client = new Client({ connectionString: url });
      await client.connect();
      owners.push(client);
      return client;
    },
    async close() {
      await Promise.all(owners.map((client) => client.end().catch(() => undefined)));
      await pool.end();
    },
  };
}

/**
 * A CREATE DATABASE holds back the vacuum horizon of every database on the server while it runs, so
 * a spec that needs VACUUM to remove what it just made dead (crypto-shredding) would see it kept
 * when another test file happens to be cloning the template. Such a spec runs inside this: no new
 * test database is created meanwhile (creations share the lock, this takes it alone).
 */
export async function withoutDatabaseCreation<T>(action: () => Promise<T>): Promise<T> {
  const serverUrl = process.env[TEST_SERVER_URL_ENV];
  if (!serverUrl) throw new Error(`${TEST_SERVER_URL_ENV} is unset: run the tests through jest (npm test)`);
  return onServer(serverUrl, 'pg_advisory_lock', async (client) => {
    // and whatever else holds the horizon now (another file's transaction that affects every
    // database, a snapshot in this one) finishes first: up to 5 s. Best effort, and deliberately so:
    // past that the action runs anyway and the caller's own assertions on what VACUUM removed decide
    // (a throw here would fail a spec over another file's long transaction that may not matter)
    for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
      const { rows } = await client.query<{ holders: number }>(
        `SELECT count(*)::int AS holders FROM pg_stat_activity
          WHERE pid <> pg_backend_pid() AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)`,
      );
      if (rows[0].holders === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return action();
  });
}

const DATABASE_CREATION_LOCK = 7_361_962_001;

/** Advisory locks belong to one database: both sides take theirs in the server's default one. */
async function onServer<T>(serverUrl: string, lock: 'pg_advisory_lock' | 'pg_advisory_lock_shared', action: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`SELECT ${lock}($1)`, [DATABASE_CREATION_LOCK]);
    return await action(client);
  } finally {
    await client.end(); // releases the lock
  }
}

/** Two files cloning the template at the same instant can collide; a short retry settles it. */
async function retry(action: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= 10 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
