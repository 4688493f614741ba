import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { ReadsProjections } from '../http/min-position';
import { reportCsv, reportXlsx } from './report-downloads';
import { ReportsService } from './reports.service';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * Aggregate reports for managers and compliance: counts of distinct customers with small cells
 * suppressed, never an id, a name or a value of anyone's. Managers see reports and no personal data
 * (the category matrix gives them none), which is what these are.
 */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
@Roles('manager', 'admin', 'compliance_officer')
export class ReportsHttpController {
  constructor(private readonly reports: ReportsService) {}

  @Get()
  @ApiOperation({ summary: 'The reports: names, their choosable rows and columns, measures, filters, formats, and k of small-cell suppression' })
  catalogue() {
    return this.reports.catalogue();
  }

  @Get(':name')
  @ReadsProjections('subject_profile', 'orders', 'service_records', 'follow_up_tasks', 'complaints', 'survey_responses', 'report_facts', 'customer_query')
  @ApiOperation({
    summary:
      'One report for a period (from/to, dates in China) and filters (department, customerType, tier, region; indicator for abnormal-indicators); JSON, or CSV/XLSX by ?format or Accept',
  })
  @ApiQuery({ name: 'format', enum: ['json', 'csv', 'xlsx'], required: false })
  async report(
    @Ctx() context: RequestContext,
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { report, format } = await this.reports.run(context, name, query, accept);
    if (format === 'json') return report;
    const file = `${report.report}-${report.period.from}-${report.period.to}.${format}`;
    void reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : XLSX).header('content-disposition', `attachment; filename="${file}"`);
    return format === 'csv' ? reportCsv(report) : await reportXlsx(report);
  }
}
