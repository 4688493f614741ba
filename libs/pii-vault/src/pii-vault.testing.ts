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
