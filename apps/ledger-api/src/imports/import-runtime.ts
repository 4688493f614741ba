import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { LedgerClock, systemClock } from '@pi-ledger/platform/clock/ledger-clock';
import { inProcessRuntime } from '../application/in-process-runtime';
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
    return inProcessRuntime(ImportRuntimeModule, ImportsCoreModule, { config, logger, clock, applicationName: 'pi-ledger-import' });
  }
}

export { ImportRunner } from './import-runner';
export { ImportJobsService, ImportOptionsDto, fileSha256, formatOfName } from './import-jobs.service';
export { ImportJobsStore } from './import-jobs.store';
export { ImportReports } from './import-reports';
export type { ImportKind } from './import-record-kinds';
