import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { PlatformModule } from '@pi-ledger/platform/platform.module';
import { LedgerClock, systemClock } from '@pi-ledger/platform/clock/ledger-clock';
import { EventStoreModule } from '@pi-ledger/event-store/event-store.module';
import { PiiVaultModule } from '@pi-ledger/pii-vault/pii-vault.module';
import { AccessControlModule } from '@pi-ledger/access-control/access-control.module';
import { AuditModule } from '@pi-ledger/audit/audit.module';
import { ReadModelsModule } from '@pi-ledger/read-models/read-models.module';
import { ledgerProjectionsProvider } from '@pi-ledger/audit/ledger-projections.provider';
import { ApplicationModule } from '../application/application.module';
import { ImportsCoreModule } from './imports.module';

/**
 * The API's import jobs without HTTP, for `ledger import customers|checkups|orders|services` (apps/ledger-cli): the same
 * registration command (and record services), rules and job tables, in the CLI's process against the database. The one
 * entry point the CLI may take from this app (.dependency-cruiser.cjs): an import is a registration
 * per row, and there is one registration, not a copy. Projections do not run here (the API's or a
 * projector's do).
 */
@Module({})
export class ImportRuntimeModule {
  static forRoot(config: LedgerConfig, logger: Logger, clock: LedgerClock = systemClock): DynamicModule {
    return {
      module: ImportRuntimeModule,
      imports: [
        PlatformModule.forRoot(config, logger, { migrateOnStart: false, applicationName: 'pi-ledger-import' }, clock),
        EventStoreModule,
        PiiVaultModule,
        AccessControlModule,
        AuditModule,
        ReadModelsModule.forRoot({ projections: [ledgerProjectionsProvider], run: false }),
        CqrsModule.forRoot(),
        ApplicationModule,
        ImportsCoreModule,
      ],
      exports: [ImportsCoreModule],
    };
  }
}

export { ImportRunner } from './import-runner';
export { ImportJobsService, ImportOptionsDto, fileSha256, formatOfName } from './import-jobs.service';
export { ImportJobsStore } from './import-jobs.store';
export { ImportReports } from './import-reports';
export type { ImportKind } from './import-record-kinds';
