import { BeforeApplicationShutdown, Injectable, Provider } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { LEDGER_CONFIG, LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { AuditLog } from '@pi-ledger/audit/audit-log';
import { AuditTreeWriter } from '@pi-ledger/audit/audit-tree-writer';
import { openPiiVault } from '@pi-ledger/pii-vault/open-pii-vault';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { allProjections } from '@pi-ledger/audit/ledger-projections.provider';
import { LEDGER_PROJECTIONS } from '@pi-ledger/read-models/read-models.module';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';

/** Closes the CLI's vault (it holds a LISTEN connection) before the pool ends. */
@Injectable()
export class CliVault implements BeforeApplicationShutdown {
  vault?: PiiVault;
  async beforeApplicationShutdown(): Promise<void> {
    await this.vault?.close();
  }
}

/**
 * The CLI opens the vault itself rather than through PiiVaultModule: a vault that cannot open (a
 * master-key rotation half done) must not stop `keys rotate-kek` from resuming it. Then only the
 * projections that decrypt are unavailable, and say why when used.
 */
export const cliProjectionsProvider: Provider = {
  provide: LEDGER_PROJECTIONS,
  inject: [PG_POOL, LEDGER_CONFIG, LEDGER_LOGGER, AuditTreeWriter, AuditLog, CliVault, LEDGER_CLOCK],
  useFactory: async (pool: Pool, config: LedgerConfig, logger: Logger, writer: AuditTreeWriter, log: AuditLog, holder: CliVault, clock: LedgerClock) => {
    try {
      holder.vault = await openPiiVault(pool, config, logger);
      return allProjections(holder.vault, writer, log, clock);
    } catch (error) {
      const reason = `the PI vault cannot open: ${error instanceof Error ? error.message : String(error)}`;
      logger.debug({ reason }, 'projections that decrypt are unavailable to this command');
      return allProjections(unavailableVault(reason), writer, log, clock);
    }
  },
};

function unavailableVault(reason: string): PiiVault {
  return new Proxy({} as PiiVault, {
    get: (_, property) =>
      property === 'then'
        ? undefined
        : () => {
            throw new Error(reason);
          },
  });
}
