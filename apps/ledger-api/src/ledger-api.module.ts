import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { PlatformModule } from '@pi-ledger/platform/platform.module';
import { HealthController } from '@pi-ledger/platform/health/health.controller';
import { MetricsController } from '@pi-ledger/platform/metrics/metrics.controller';
import { EventStoreModule } from '@pi-ledger/event-store/event-store.module';

@Module({})
export class LedgerApiModule {
  static forRoot(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: LedgerApiModule,
      imports: [PlatformModule.forRoot(config, logger, { migrateOnStart: true }), EventStoreModule],
      controllers: [HealthController, MetricsController],
    };
  }
}
