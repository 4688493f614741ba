import { Module } from '@nestjs/common';
import { Pool } from 'pg';
import { StaffAccounts } from '@pi-ledger/access-control/staff-accounts/staff-accounts';
import { POSTGRES_EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import type { PostgresEventStorePort } from '@pi-ledger/event-store/postgres/postgres-event-store.port';
import type { StaffErrorCode } from '@pi-ledger/ledger-domain/staff/staff.errors';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_CONFIG, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { MFA_REQUIRED_ROLES, MfaPolicy } from './mfa-policy';
import { StaffAdminService } from './staff-admin.service';
import { StaffSessions } from '@pi-ledger/access-control/staff-accounts/staff-sessions';
import { StaffHttpController } from './staff.http.controller';
import { DepartmentsModule } from '../departments/departments.module';

registerProblemCodes({
  'staff-not-found': { status: 404, title: 'Staff account not found' },
  'staff-account-exists': { status: 409, title: 'Staff account exists' },
  'username-taken': { status: 409, title: 'Username taken' },
  'staff-needs-a-role': { status: 409, title: 'A staff account keeps at least one role' },
  'last-admin': { status: 409, title: 'The last active admin stays' },
  'staff-account-disabled': { status: 409, title: 'Staff account disabled' },
  'mfa-already-enrolled': { status: 409, title: 'MFA already enrolled' },
  'mfa-not-pending': { status: 409, title: 'No MFA enrolment to confirm' },
  'account-locked': { status: 401, title: 'Invalid credentials' },
  'mfa-code-replayed': { status: 401, title: 'Invalid code' },
} satisfies Record<StaffErrorCode | 'username-taken', unknown>);

/** Staff accounts (admin: /v1/staff) and the sign-in sessions the auth module opens for them. */
@Module({
  imports: [DepartmentsModule],
  controllers: [StaffHttpController],
  providers: [
    {
      provide: StaffAccounts,
      inject: [POSTGRES_EVENT_STORE, PG_POOL, PII_VAULT, LEDGER_CLOCK],
      useFactory: (store: PostgresEventStorePort, pool: Pool, vault: PiiVault, clock: LedgerClock) => new StaffAccounts(store, pool, vault, clock),
    },
    { provide: MFA_REQUIRED_ROLES, inject: [LEDGER_CONFIG], useFactory: (config: LedgerConfig) => MfaPolicy.of(config) },
    StaffSessions,
    StaffAdminService,
  ],
  exports: [StaffAccounts, StaffSessions, StaffAdminService, MFA_REQUIRED_ROLES],
})
export class StaffModule {}
