import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { RegistryModule } from '../registry/registry.module';
import { SubjectsModule } from '../subjects/subjects.module';
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
} satisfies Record<ImportErrorCode, unknown>);

/** Import jobs without their HTTP edge or background runs: what the CLI runs in process (import-runtime.ts). */
@Module({
  imports: [RegistryModule, SubjectsModule],
  providers: [ImportJobsStore, ImportDuplicates, ImportRunner, ImportJobsService, ImportReports],
  exports: [ImportJobsStore, ImportRunner, ImportJobsService, ImportReports],
})
export class ImportsCoreModule {}

/** Batch import of customers from .xlsx and .csv (issue #15): jobs, their reports, the template; run in the background. */
@Module({
  imports: [ImportsCoreModule],
  controllers: [ImportsHttpController],
  providers: [ImportScheduler],
})
export class ImportsModule {}
