import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { isISO8601 } from 'class-validator';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FieldProblem, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { ComplianceReport } from '@pi-ledger/audit/compliance-report/compliance-report';
import { renderComplianceReport } from './audit-report.html';

@ApiTags('compliance')
@ApiBearerAuth()
@Controller('v1/compliance/audit-report')
export class AuditReportHttpController {
  constructor(private readonly report: ComplianceReport) {}

  @Get()
  @Roles('compliance_officer', 'auditor')
  @ApiQuery({ name: 'from', required: true, description: 'start of the period (ISO 8601 date-time with a zone), inclusive' })
  @ApiQuery({ name: 'to', required: true, description: 'end of the period, exclusive' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'html'], description: '`html`: the same figures as a printable page' })
  @ApiOperation({
    summary:
      'The compliance-audit report of a period (PI Protection Compliance Audit Measures, 2025): figures and lists without personal data, each with the positions of its events, a signed tree head and the trail’s verification',
  })
  async get(@Res({ passthrough: true }) reply: FastifyReply, @Query('from') from?: string, @Query('to') to?: string, @Query('format') format?: string) {
    const problems: FieldProblem[] = [];
    const at = (value: string | undefined, path: string) => {
      if (value !== undefined && /T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value) && isISO8601(value, { strict: true })) return new Date(value).toISOString();
      problems.push({ path, message: 'required: an ISO 8601 date-time with a time zone' });
      return '';
    };
    const period = { from: at(from, 'query.from'), to: at(to, 'query.to') };
    if (problems.length === 0 && period.from >= period.to) problems.push({ path: 'query.to', message: 'must be after from' });
    if (format !== undefined && format !== 'json' && format !== 'html') problems.push({ path: 'query.format', message: 'json or html' });
    if (problems.length > 0) throw new InvalidInput(problems);
    const report = await this.report.build(period);
    if (format !== 'html') return report;
    void reply.type('text/html; charset=utf-8');
    return renderComplianceReport(report);
  }
}
