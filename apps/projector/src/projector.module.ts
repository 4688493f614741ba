import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { PlatformModule } from '@pi-ledger/platform/platform.module';
import { EventStoreModule } from '@pi-ledger/event-store/event-store.module';
import { PiiVaultModule } from '@pi-ledger/pii-vault/pii-vault.module';
import { AuditModule } from '@pi-ledger/audit/audit.module';
import { TreeHeadScheduler } from '@pi-ledger/audit/tree-head.scheduler';
import { ReadModelsModule } from '@pi-ledger/read-models/read-models.module';
import { ledgerProjectionsProvider } from '@pi-ledger/audit/ledger-projections.provider';

/** The projections as a worker of their own; several may run, each projection leased to one. */
@Module({})
export class ProjectorModule {
  static forRoot(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: ProjectorModule,
      imports: [
        PlatformModule.forRoot(config, logger, { migrateOnStart: true }),
        EventStoreModule,
        PiiVaultModule,
        AuditModule,
        ReadModelsModule.forRoot({ projections: [ledgerProjectionsProvider], run: true }),
      ],
      providers: [TreeHeadScheduler],
    };
  }
}
