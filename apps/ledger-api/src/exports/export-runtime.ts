import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { LedgerClock, systemClock } from '@pi-ledger/platform/clock/ledger-clock';
import { inProcessRuntime } from '../application/in-process-runtime';
import { ExportsCoreModule } from './exports.module';

/**
 * The API's bulk export without HTTP, for `ledger export customers` (apps/ledger-cli): the same
 * conditions, rules, masking, access records and ExportProduced event, in the CLI's process. The
 * one entry point the CLI may take from this app for exports (.dependency-cruiser.cjs).
 */
@Module({})
export class ExportRuntimeModule {
  static forRoot(config: LedgerConfig, logger: Logger, clock: LedgerClock = systemClock): DynamicModule {
    return inProcessRuntime(ExportRuntimeModule, ExportsCoreModule, { config, logger, clock, applicationName: 'pi-ledger-export' });
  }
}

export { ExportsService } from './exports.service';
