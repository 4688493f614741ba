import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { ReportQueries } from '@pi-ledger/read-models/projections/reports/report-queries';
import { reportMinCellProvider } from './report-min-cell';
import { ReportRunRecorder } from './report-run.recorder';
import { ReportsHttpController } from './reports.http.controller';
import { ReportsService } from './reports.service';

registerProblemCodes({ 'report-not-found': { status: 404, title: 'Report not found' } });

/** Aggregate reports (issue #16 item 3) over the read models, small cells suppressed, each run recorded. */
@Module({
  controllers: [ReportsHttpController],
  providers: [ReportsService, ReportQueries, ReportRunRecorder, reportMinCellProvider],
})
export class ReportsModule {}
