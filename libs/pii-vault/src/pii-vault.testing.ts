import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Pool } from 'pg';
import pino from 'pino';
import { LedgerConfig, loadConfig } from '@pi-ledger/platform/config/ledger-config';
import type { Logger } from '@pi-ledger/platform/logging/logger';
import { openPiiVault, OpenPiiVaultOptions } from './open-pii-vault';
import { PiiVault } from './pii-vault';

/** Helpers for the vault's specs (and other libs' specs that need a vault): no test framework here. */

export interface CapturedLog {
  logger: Logger;
  /** Every line written, raw JSON. */
  lines: string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** What `action` returns, and how many statements it sent through `pool.query` (all the vault's tables use). */
export async function countingStatements<T>(pool: Pool, action: () => Promise<T>): Promise<{ statements: number; result: T }> {
  const query = pool.query;
  let statements = 0;
  pool.query = function (this: Pool, ...args: unknown[]) {
    statements++;
    return (query as (...args: unknown[]) => unknown).apply(this, args);
  } as Pool['query'];
  try {
    const result = await action();
    return { statements, result };
  } finally {
    pool.query = query;
  }
}

const dataDirs: string[] = [];

/** The ledger's configuration with a fresh temporary data dir, so no test touches ./.ledger-data. */
export function vaultTestConfig(overrides: Partial<LedgerConfig> = {}): LedgerConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'pi-ledger-vault-'));
  dataDirs.push(dataDir);
  return { ...loadConfig({ LOG_LEVEL: 'silent' }), dataDir, ...overrides };
}

/** Deletes the data dirs made by `vaultTestConfig` (key files included). */
export function removeVaultTestDirs(): void {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Opened vaults, closed together: they hold a LISTEN connection each. */
export class VaultPen {
  private readonly vaults: PiiVault[] = [];

  constructor(private readonly pool: Pool) {}

  async open(masterKey: Buffer, options: OpenPiiVaultOptions & { logger?: Logger } = {}): Promise<PiiVault> {
    const vault = await openPiiVault(this.pool, vaultTestConfig({ masterKey }), options.logger ?? captureLog().logger, options);
    this.vaults.push(vault);
    return vault;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.vaults.splice(0).map((vault) => vault.close()));
    removeVaultTestDirs();
  }
}

/** Every column of every event row, and its row version (xmin, ctid): any rewrite of the log would show. */
export async function eventRowsVerbatim(pool: Pool): Promise<Array<Record<string, string>>> {
  const { rows } = await pool.query(`
    SELECT position::text, transaction_id::text, event_id, stream_id, stream_version::text, type, schema_version,
           data::text AS data, metadata::text AS metadata, encode(payload_digest, 'hex') AS payload_digest,
           recorded_at::text, xmin::text, ctid::text, e::text AS whole_row
      FROM ledger_events e ORDER BY position`);
  return rows;
}
