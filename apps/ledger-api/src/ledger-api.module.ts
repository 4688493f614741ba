import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { PlatformModule } from '@pi-ledger/platform/platform.module';
import { HealthController } from '@pi-ledger/platform/health/health.controller';
import { MetricsController } from '@pi-ledger/platform/metrics/metrics.controller';
import { EventStoreModule } from '@pi-ledger/event-store/event-store.module';
import { PiiVaultModule } from '@pi-ledger/pii-vault/pii-vault.module';
import { AccessControlModule } from '@pi-ledger/access-control/access-control.module';
import { AuditModule } from '@pi-ledger/audit/audit.module';
import { TreeHeadScheduler } from '@pi-ledger/audit/tree-head.scheduler';
import { ReadModelsModule } from '@pi-ledger/read-models/read-models.module';
import { ledgerProjectionsProvider } from '@pi-ledger/audit/ledger-projections.provider';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { ConsentRegisterQueries } from '@pi-ledger/read-models/projections/consent-register/consent-register.queries';
import { DisclosureRegisterQueries } from '@pi-ledger/read-models/projections/disclosure-register/disclosure-register.queries';
import { AccessLogQueries } from '@pi-ledger/read-models/projections/access-log/access-log.queries';
import { SubjectStatisticsQueries } from '@pi-ledger/read-models/projections/statistics/subject-statistics.queries';
import { DailyActivityQueries } from '@pi-ledger/read-models/projections/statistics/daily-activity.queries';
import './http/domain-problems';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { RegistryService } from './registry/registry.service';
import { RegistryHttpController } from './registry/registry.http.controller';
import { SubjectCommandsService } from './subjects/subject-commands.service';
import { SubjectIdNumbers } from './subjects/subject-id-numbers';
import { RegisterSubjectHandler } from './subjects/register-subject/register-subject.handler';
import { RegisterSubjectHttpController } from './subjects/register-subject/register-subject.http.controller';
import { AddDataItemHandler, ChangeDataHandler } from './subjects/change-data/change-data.handler';
import { ChangeDataHttpController } from './subjects/change-data/change-data.http.controller';
import { GrantConsentHandler, WithdrawConsentHandler } from './subjects/consents/consents.handler';
import { ConsentsHttpController } from './subjects/consents/consents.http.controller';
import { LiftRestrictionHandler, RestrictProcessingHandler } from './subjects/restrictions/restrictions.handler';
import { RestrictionsHttpController } from './subjects/restrictions/restrictions.http.controller';
import { DiscloseHandler } from './subjects/disclosures/disclosures.handler';
import { DisclosuresHttpController } from './subjects/disclosures/disclosures.http.controller';
import { ReadSubjectHandler } from './subjects/read-subject/read-subject.query';
import { ReadSubjectHttpController } from './subjects/read-subject/read-subject.http.controller';
import { SearchSubjectsHandler } from './subjects/search-subjects/search-subjects.query';
import { SearchSubjectsHttpController } from './subjects/search-subjects/search-subjects.http.controller';
import { SubjectRegistersHttpController } from './subjects/subject-registers/subject-registers.http.controller';
import { AccessLogHttpController } from './access-log/access-log.http.controller';
import { AccessRecorder } from './access-log/access-recorder';
import { StatsHttpController } from './stats/stats.http.controller';
import { MinPositionInterceptor, ProjectionFreshness } from './http/min-position';
import { AuditHttpController } from './audit/audit.http.controller';
import { AuditEventsQuery } from './audit/audit-events.query';
import { AuditEvidenceHttpController } from './audit/audit-evidence.http.controller';
import { evidenceExporterProvider } from '@pi-ledger/audit/evidence/evidence-exporter.provider';
import { SubjectHistoryHandler } from './compliance/subject-history/subject-history.query';
import { SubjectHistoryHttpController } from './compliance/subject-history/subject-history.http.controller';
import { ReadSubjectAsOfHandler } from './compliance/subject-as-of/read-subject-as-of.query';
import { ProjectionsHttpController } from './ops/projections.http.controller';
import { ErasureService } from './rights/erasure/erasure.service';
import { RightsRequestsHttpController } from './rights/requests/rights-requests.http.controller';
import { RightsRequestsService } from './rights/requests/rights-requests.service';
import { RightsFulfilment } from './rights/requests/rights-fulfilment';
import { SubjectExport } from './rights/requests/subject-export';
import { RightsRequestQueries } from '@pi-ledger/read-models/projections/rights-requests/rights-requests.projection';
import { ErasureCertificates } from './rights/erasure/erasure-certificates';
import { ErasureCertificatesHttpController } from './rights/erasure/erasure-certificates.http.controller';
import { LegalHoldsService } from './rights/legal-holds/legal-holds.service';
import { LegalHoldsHttpController } from './rights/legal-holds/legal-holds.http.controller';
import { LedgerClock, systemClock } from '@pi-ledger/platform/clock/ledger-clock';
import { retentionScheduleProvider } from './rights/retention/retention-schedule';
import { RetentionScheduler } from './rights/retention/retention.scheduler';

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
      ],
      controllers: [
        HealthController,
        MetricsController,
        RegistryHttpController,
        RegisterSubjectHttpController,
        ReadSubjectHttpController,
        ChangeDataHttpController,
        ConsentsHttpController,
        RestrictionsHttpController,
        DisclosuresHttpController,
        SearchSubjectsHttpController,
        SubjectRegistersHttpController,
        AccessLogHttpController,
        StatsHttpController,
        AuditHttpController,
        AuditEvidenceHttpController,
        SubjectHistoryHttpController,
        ProjectionsHttpController,
        LegalHoldsHttpController,
        RightsRequestsHttpController,
        ErasureCertificatesHttpController,
      ],
      providers: [
        IdempotencyInterceptor,
        RegistryService,
        SubjectCommandsService,
        SubjectIdNumbers,
        RegisterSubjectHandler,
        ChangeDataHandler,
        AddDataItemHandler,
        GrantConsentHandler,
        WithdrawConsentHandler,
        RestrictProcessingHandler,
        LiftRestrictionHandler,
        DiscloseHandler,
        ReadSubjectHandler,
        SearchSubjectsHandler,
        AccessRecorder,
        ProjectionFreshness,
        MinPositionInterceptor,
        SubjectProfileQueries,
        ConsentRegisterQueries,
        DisclosureRegisterQueries,
        AccessLogQueries,
        SubjectStatisticsQueries,
        DailyActivityQueries,
        AuditEventsQuery,
        evidenceExporterProvider,
        SubjectHistoryHandler,
        ReadSubjectAsOfHandler,
        TreeHeadScheduler,
        LegalHoldsService,
        ErasureCertificates,
        ErasureService,
        RightsRequestsService,
        RightsFulfilment,
        SubjectExport,
        RightsRequestQueries,
        retentionScheduleProvider,
        RetentionScheduler,
      ],
    };
  }
}
