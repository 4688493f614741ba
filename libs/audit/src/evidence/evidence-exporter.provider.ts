import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import type { EventStore } from '@pi-ledger/event-store/event-store.port';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { AuditLog } from '../audit-log';
import { EvidenceExporter } from './evidence-exporter';

/** EvidenceExporter on the platform's pool and event store; needs AuditModule and EventStoreModule. */
export const evidenceExporterProvider: Provider = {
  provide: EvidenceExporter,
  inject: [PG_POOL, AuditLog, EVENT_STORE, LEDGER_CLOCK],
  useFactory: (pool: Pool, log: AuditLog, store: EventStore, clock: LedgerClock) => new EvidenceExporter(pool, log, store, clock),
};
