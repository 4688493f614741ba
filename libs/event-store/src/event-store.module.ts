import { Global, Inject, Injectable, Module, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import { PostgresEventStore } from './postgres/postgres-event-store';

export const EVENT_STORE = Symbol('EVENT_STORE');

@Injectable()
class EventStoreLifecycle implements OnModuleDestroy {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  async onModuleDestroy(): Promise<void> {
    await this.store.close();
  }
}

/** The EventStore port bound to its PostgreSQL adapter, on the platform's pool. */
@Global()
@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [PG_POOL, LedgerMetrics],
      useFactory: (pool: Pool, metrics: LedgerMetrics) =>
        new PostgresEventStore(pool, { onAppended: (count, seconds) => metrics.appended(count, seconds) }),
    },
    EventStoreLifecycle,
  ],
  exports: [EVENT_STORE],
})
export class EventStoreModule {}
