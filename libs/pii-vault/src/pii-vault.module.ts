import { Global, Inject, Injectable, Module, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import { LEDGER_CONFIG, LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import type { Logger } from '@pi-ledger/platform/logging/logger';
import { openPiiVault } from './open-pii-vault';
import { PiiVault } from './pii-vault';

export const PII_VAULT = Symbol('PII_VAULT');

/** Releases the vault's LISTEN connection before the platform closes the pool. */
@Injectable()
class PiiVaultLifecycle implements OnModuleDestroy {
  constructor(@Inject(PII_VAULT) private readonly vault: PiiVault) {}

  async onModuleDestroy(): Promise<void> {
    await this.vault.close();
  }
}

/** The PII vault on the platform's pool, under the configured master key. */
@Global()
@Module({
  providers: [
    {
      provide: PII_VAULT,
      inject: [PG_POOL, LEDGER_CONFIG, LEDGER_LOGGER],
      useFactory: (pool: Pool, config: LedgerConfig, logger: Logger) => openPiiVault(pool, config, logger),
    },
    PiiVaultLifecycle,
  ],
  exports: [PII_VAULT],
})
export class PiiVaultModule {}
