import { Module } from '@nestjs/common';
import { complianceReportProvider } from '@pi-ledger/audit/compliance-report/compliance-report.provider';
import { AuditReportHttpController } from './audit-report.http.controller';

/** The compliance-audit report (PI Protection Compliance Audit Measures, 2025), the same the CLI prints. */
@Module({
  controllers: [AuditReportHttpController],
  providers: [complianceReportProvider],
})
export class AuditReportModule {}
