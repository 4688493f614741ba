import { BeforeApplicationShutdown, Global, Inject, Injectable, Module } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import { PostgresEventStore } from './postgres/postgres-event-store';

export const EVENT_STORE = Symbol('EVENT_STORE');

@Injectable()
class EventStoreLifecycle implements BeforeApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  /** After projectors stopped (onModuleDestroy), before the pool ends (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
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
