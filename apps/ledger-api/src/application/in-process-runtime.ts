import { DynamicModule, Type } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { PlatformModule } from '@pi-ledger/platform/platform.module';
import { LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { EventStoreModule } from '@pi-ledger/event-store/event-store.module';
import { PiiVaultModule } from '@pi-ledger/pii-vault/pii-vault.module';
import { AccessControlModule } from '@pi-ledger/access-control/access-control.module';
import { AuditModule } from '@pi-ledger/audit/audit.module';
import { ReadModelsModule } from '@pi-ledger/read-models/read-models.module';
import { ledgerProjectionsProvider } from '@pi-ledger/audit/ledger-projections.provider';
import { ApplicationModule } from './application.module';

/**
 * One of the API's features without HTTP, for the CLI to run in its own process against the
 * database (`ledger import customers`, `ledger export customers`): the platform, the ledger's
 * libraries and the feature's core module. Projections do not run here (the API's or a projector's do).
 */
export function inProcessRuntime(runtime: Type, feature: Type, options: { config: LedgerConfig; logger: Logger; clock: LedgerClock; applicationName: string }): DynamicModule {
  return {
    module: runtime,
    imports: [
      PlatformModule.forRoot(options.config, options.logger, { migrateOnStart: false, applicationName: options.applicationName }, options.clock),
      EventStoreModule,
      PiiVaultModule,
      AccessControlModule,
      AuditModule,
      ReadModelsModule.forRoot({ projections: [ledgerProjectionsProvider], run: false }),
      CqrsModule.forRoot(),
      ApplicationModule,
      feature,
    ],
    exports: [feature],
  };
}
