import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LedgerConfig } from './config/ledger-config';
import { LEDGER_CONFIG, LEDGER_LOGGER } from './config/config.tokens';
import { DatabaseModule, DatabaseModuleOptions } from './database/database.module';
import { LedgerMetrics } from './metrics/ledger-metrics';
import { LEDGER_CLOCK, LedgerClock, systemClock } from './clock/ledger-clock';

/** Config, logger, the clock, metrics and the database, for the API, the projector and the CLI alike. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: LedgerConfig, logger: Logger, database: DatabaseModuleOptions, clock: LedgerClock = systemClock): DynamicModule {
    return {
      module: PlatformModule,
      imports: [DatabaseModule.forRoot(database)],
      providers: [{ provide: LEDGER_CONFIG, useValue: config }, { provide: LEDGER_LOGGER, useValue: logger }, { provide: LEDGER_CLOCK, useValue: clock }, LedgerMetrics],
      exports: [LEDGER_CONFIG, LEDGER_LOGGER, LEDGER_CLOCK, LedgerMetrics, DatabaseModule],
    };
  }
}
