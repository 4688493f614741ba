import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import type { EventStore } from '@pi-ledger/event-store/event-store.port';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { AuditLog } from '../audit-log';
import { AuditVerifier } from '../audit-verifier';
import { ComplianceReport } from './compliance-report';

/** ComplianceReport on the platform's pool and event store, for the API and the CLI alike; needs AuditModule and EventStoreModule. */
export const complianceReportProvider: Provider = {
  provide: ComplianceReport,
  inject: [PG_POOL, EVENT_STORE, AuditLog, AuditVerifier, LEDGER_CLOCK],
  useFactory: (pool: Pool, store: EventStore, log: AuditLog, verifier: AuditVerifier, clock: LedgerClock) => new ComplianceReport(pool, store, log, verifier, clock),
};
