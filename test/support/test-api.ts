import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createLedgerApi } from '../../apps/ledger-api/src/ledger-api';
import { LedgerClock } from '../../libs/platform/src/clock/ledger-clock';
import { LedgerConfig, loadConfig } from '../../libs/platform/src/config/ledger-config';
import { logHead, readModelsCaughtUp } from './ledger-log';
import { testClock } from './test-clock';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApi {
  readonly baseUrl: string;
  readonly app: NestFastifyApplication;
  readonly database: TestDatabase;
  /** Every log line the API wrote, for tests that look for PI in logs. */
  readonly logLines: string[];
  /** The ledger's clock: what time it is for the API's decisions. */
  readonly clock: LedgerClock;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** The position to send as X-Ledger-Min-Position for a read that includes everything so far. */
  logHead(): Promise<number>;
  /** Waits until every running projection has taken in the log as it stands now (for a reader that cannot send X-Ledger-Min-Position). */
  readModelsCaughtUp(): Promise<void>;
  /** The data dir (generated keys, import uploads): another API started with `reuse` shares it. */
  readonly dataDir: string;
  /** Closes the API only: the database and data dir stay, for another API started with `reuse` (a restart). */
  closeApp(): Promise<void>;
  close(): Promise<void>;
}

export interface TestApiOptions {
  /** The ledger's clock; default: pinned at TEST_NOW (test-clock.ts), so no spec depends on the calendar. */
  clock?: LedgerClock;
  /** Start on another API's database and data dir (that API closed with closeApp): a restart. */
  reuse?: { database: TestDatabase; dataDir: string };
}

/** The real API on a fresh database, listening on a free loopback port, its clock pinned. */
export async function startTestApi(overrides: Partial<LedgerConfig> = {}, options: TestApiOptions = {}): Promise<TestApi> {
  const clock = options.clock ?? testClock();
  const database = options.reuse?.database ?? (await createTestDatabase());
  // generated keys (master key, JWT secret, audit signing key) go to a throwaway dir, not the repo
  const dataDir = options.reuse?.dataDir ?? mkdtempSync(join(tmpdir(), 'pi-ledger-api-'));
  // specs read and search with one staff token far faster than a person: the per-actor look-up
  // limit and alerts are off unless a spec sets them (test/lookup-limits.e2e-spec.ts does)
  const base = loadConfig({ LOG_LEVEL: 'info', LEDGER_LOOKUP_LIMIT_PER_MINUTE: '0', LEDGER_LOOKUP_ALERT_PER_HOUR: '0' });
  const config: LedgerConfig = { ...base, databaseUrl: database.url, dataDir, port: 0, ...overrides };
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const app = await createLedgerApi(config, pino({ level: config.logLevel }, sink), clock);
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    baseUrl,
    app,
    database,
    logLines,
    clock,
    request: (path, init) => fetch(`${baseUrl}${path}`, init),
    logHead: () => logHead(database.pool),
    readModelsCaughtUp: () => readModelsCaughtUp(database.pool),
    dataDir,
    closeApp: () => app.close(),
    async close() {
      await app.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
