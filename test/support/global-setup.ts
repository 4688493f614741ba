import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, RunningPostgres } from '../../libs/platform/src/database/embedded-postgres.server';
import { ensureDatabase, migrateLedgerDatabase, withDatabase } from '../../libs/platform/src/database/ledger-database';
import { TEMPLATE_DATABASE, TEST_SERVER_URL_ENV } from './test-database';

declare global {
  var piLedgerTestServer: RunningPostgres | undefined;
}

/**
 * Starts one throwaway embedded PostgreSQL for the whole run (or uses TEST_DATABASE_SERVER_URL, an
 * external server's maintenance URL) and migrates a template database that each test file clones.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.TEST_DATABASE_SERVER_URL;
  if (!serverUrl) {
    const dataDir = await mkdtemp(join(tmpdir(), 'pi-ledger-test-'));
    const lines: string[] = [];
    try {
      globalThis.piLedgerTestServer = await startEmbeddedPostgres({
        dataDir,
        port: 0,
        ephemeral: true,
        // durability is not under test here; speed is
        settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
        log: (line) => lines.push(line),
      });
    } catch (error) {
      process.stderr.write(lines.join('\n') + '\n');
      throw error;
    }
    serverUrl = globalThis.piLedgerTestServer.url;
  }
  await ensureDatabase(serverUrl, TEMPLATE_DATABASE);
  await migrateLedgerDatabase(withDatabase(serverUrl, TEMPLATE_DATABASE), () => undefined);
  process.env[TEST_SERVER_URL_ENV] = serverUrl;
}
