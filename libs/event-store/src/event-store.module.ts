import { BeforeApplicationShutdown, Global, Inject, Injectable, Module } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import { PostgresEventStore } from './postgres/postgres-event-store';

/** The EventStore port (streams): what command handlers depend on. */
export const EVENT_STORE = Symbol('EVENT_STORE');
/** The GlobalLog port (the ordered global log with wake-ups): projections, the audit tree, freshness. */
export const GLOBAL_LOG = Symbol('GLOBAL_LOG');
/** The PostgreSQL adapter as PostgresEventStorePort: only for callers that need an append with a row alongside. */
export const POSTGRES_EVENT_STORE = Symbol('POSTGRES_EVENT_STORE');

@Injectable()
class EventStoreLifecycle implements BeforeApplicationShutdown {
  constructor(@Inject(POSTGRES_EVENT_STORE) private readonly store: PostgresEventStore) {}

  /** After projectors stopped (onModuleDestroy), before the pool ends (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** The EventStore and GlobalLog ports bound to one PostgreSQL adapter, on the platform's pool. */
@Global()
@Module({
  providers: [
    {
      provide: POSTGRES_EVENT_STORE,
      inject: [PG_POOL, LedgerMetrics],
      useFactory: (pool: Pool, metrics: LedgerMetrics) => new PostgresEventStore(pool, { onAppended: (count, seconds) => metrics.appended(count, seconds) }),
    },
    { provide: EVENT_STORE, useExisting: POSTGRES_EVENT_STORE },
    { provide: GLOBAL_LOG, useExisting: POSTGRES_EVENT_STORE },
    EventStoreLifecycle,
  ],
  exports: [EVENT_STORE, GLOBAL_LOG, POSTGRES_EVENT_STORE],
})
export class EventStoreModule {}
