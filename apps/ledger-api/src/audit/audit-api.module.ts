import { Module } from '@nestjs/common';
import { TreeHeadScheduler } from '@pi-ledger/audit/tree-head.scheduler';
import { evidenceExporterProvider } from '@pi-ledger/audit/evidence/evidence-exporter.provider';
import { RegistryModule } from '../registry/registry.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { AccessMatrixModule } from '../access-matrix/access-matrix.module';
import { SubjectHistoryHandler } from '../compliance/subject-history/subject-history.query';
import { SubjectHistoryHttpController } from '../compliance/subject-history/subject-history.http.controller';
import { ReadSubjectAsOfHandler } from '../compliance/subject-as-of/read-subject-as-of.query';
import { StatsHttpController } from '../stats/stats.http.controller';
import { LookupAlertsHttpController } from '../compliance/lookup-alerts/lookup-alerts.http.controller';
import { AuditHttpController } from './audit.http.controller';
import { AuditEventsQuery } from './audit-events.query';
import { AuditEvidenceHttpController } from './audit-evidence.http.controller';

/**
 * For compliance officers and auditors: the audit trail (events, proofs, signed heads, evidence
 * packages), a subject's compliance history and its state as of an instant, and the statistics.
 */
@Module({
  imports: [RegistryModule, SubjectsModule, AccessMatrixModule],
  controllers: [AuditHttpController, AuditEvidenceHttpController, SubjectHistoryHttpController, StatsHttpController, LookupAlertsHttpController],
  providers: [AuditEventsQuery, evidenceExporterProvider, SubjectHistoryHandler, ReadSubjectAsOfHandler, TreeHeadScheduler],
})
export class AuditApiModule {}
