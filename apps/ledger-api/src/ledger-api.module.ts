import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { PlatformModule } from '@pi-ledger/platform/platform.module';
import { LedgerClock, systemClock } from '@pi-ledger/platform/clock/ledger-clock';
import { EventStoreModule } from '@pi-ledger/event-store/event-store.module';
import { PiiVaultModule } from '@pi-ledger/pii-vault/pii-vault.module';
import { AccessControlModule } from '@pi-ledger/access-control/access-control.module';
import { AuditModule } from '@pi-ledger/audit/audit.module';
import { ReadModelsModule } from '@pi-ledger/read-models/read-models.module';
import { ledgerProjectionsProvider } from '@pi-ledger/audit/ledger-projections.provider';
import { ApplicationModule } from './application/application.module';
import { RegistryModule } from './registry/registry.module';
import { AccessMatrixModule } from './access-matrix/access-matrix.module';
import { SubjectsModule } from './subjects/subjects.module';
import { RightsModule } from './rights/rights.module';
import { MergeModule } from './subjects/merge/merge.module';
import { AuditApiModule } from './audit/audit-api.module';
import { OpsModule } from './ops/ops.module';
import { StaffModule } from './staff/staff.module';
import { AuthModule } from './auth/auth.module';
import { DepartmentsModule } from './departments/departments.module';
import { AuthTokensModule } from './auth-tokens/auth-tokens.module';
import { AssessmentsModule } from './compliance/assessments/assessments.module';
import { IncidentsModule } from './compliance/incidents/incidents.module';
import { AuditReportModule } from './compliance/audit-report/audit-report.module';
import { CheckupsModule } from './checkups/checkups.module';
import { ServiceRecordsModule } from './service-records/service-records.module';
import { FollowUpsModule } from './follow-ups/follow-ups.module';
import { OrdersModule } from './orders/orders.module';
import { TimelineModule } from './timeline/timeline.module';
import { ComplaintsModule } from './complaints/complaints.module';
import { MessagesModule } from './messages/messages.module';
import { SurveysModule } from './surveys/surveys.module';
import { ImportsModule } from './imports/imports.module';
import { ReportsModule } from './reports/reports.module';
import { DuplicatesModule } from './duplicates/duplicates.module';
import { ExportsModule } from './exports/exports.module';
import { SavedQueriesModule } from './saved-queries/saved-queries.module';
import { CustomerValueModule } from './subjects/query-subjects/customer-value.module';

/**
 * The API: the platform (config, clock, database), the ledger's libraries, and one module per
 * capability (each registers its own problem codes). A new capability is a new feature module here.
 */
@Module({})
export class LedgerApiModule {
  static forRoot(config: LedgerConfig, logger: Logger, clock: LedgerClock = systemClock): DynamicModule {
    return {
      module: LedgerApiModule,
      imports: [
        PlatformModule.forRoot(config, logger, { migrateOnStart: true }, clock),
        EventStoreModule,
        PiiVaultModule,
        AccessControlModule,
        AuditModule,
        ReadModelsModule.forRoot({ projections: [ledgerProjectionsProvider], run: config.projector === 'in-process' }),
        CqrsModule.forRoot(),
        ApplicationModule,
        RegistryModule,
        AccessMatrixModule,
        DepartmentsModule,
        SubjectsModule,
        RightsModule,
        MergeModule,
        AuditApiModule,
        OpsModule,
        StaffModule,
        AuthModule,
        AuthTokensModule,
        AssessmentsModule,
        IncidentsModule,
        AuditReportModule,
        CheckupsModule,
        ServiceRecordsModule,
        FollowUpsModule,
        OrdersModule,
        TimelineModule,
        ComplaintsModule,
        MessagesModule,
        SurveysModule,
        ImportsModule,
        ReportsModule,
        DuplicatesModule,
        ExportsModule,
        SavedQueriesModule,
        CustomerValueModule,
      ],
    };
  }
}
