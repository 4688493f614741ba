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
  await retry(() => ensureDatabase(serverUrl, name, TEMPLATE_DATABASE));
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
