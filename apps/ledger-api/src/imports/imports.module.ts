import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { RegistryModule } from '../registry/registry.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { CheckupsModule } from '../checkups/checkups.module';
import { OrdersModule } from '../orders/orders.module';
import { ServiceRecordsModule } from '../service-records/service-records.module';
import { ImportRecords } from './import-records';
import { ImportDuplicates } from './import-duplicates';
import { ImportJobsService } from './import-jobs.service';
import { ImportJobsStore } from './import-jobs.store';
import { ImportErrorCode, ImportReports } from './import-reports';
import { ImportRunner } from './import-runner';
import { ImportScheduler } from './import-scheduler';
import { ImportsHttpController } from './imports.http.controller';

registerProblemCodes({
  'import-not-found': { status: 404, title: 'Import job not found' },
  'import-finished': { status: 409, title: 'Import job already ended' },
  // codes of a refused row only (GET /v1/imports/{id}/errors), never an HTTP answer's
  'unknown-customer': { status: 422, title: 'The row names no customer of the ledger' },
  'customer-mismatch': { status: 422, title: 'The row’s customer number and ID number name two customers' },
  'record-refused': { status: 422, title: 'Another row of the same record was refused' },
} satisfies Record<ImportErrorCode, unknown>);

/** Import jobs without their HTTP edge or background runs: what the CLI runs in process (import-runtime.ts). */
@Module({
  imports: [RegistryModule, SubjectsModule, SubjectRecordsModule, CheckupsModule, OrdersModule, ServiceRecordsModule],
  providers: [ImportJobsStore, ImportDuplicates, ImportRecords, ImportRunner, ImportJobsService, ImportReports],
  exports: [ImportJobsStore, ImportRunner, ImportJobsService, ImportReports],
})
export class ImportsCoreModule {}

/** Batch import of customers and their records from .xlsx and .csv (issue #15): jobs, their reports, the template; run in the background. */
@Module({
  imports: [ImportsCoreModule],
  controllers: [ImportsHttpController],
  providers: [ImportScheduler],
})
export class ImportsModule {}
