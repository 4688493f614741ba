import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { AccessMatrixModule } from '../access-matrix/access-matrix.module';
import { RegistryModule } from '../registry/registry.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { ExportsHttpController } from './exports.http.controller';
import { ExportsService } from './exports.service';

registerProblemCodes({
  'export-too-large': { status: 422, title: 'Export too large' },
});

/** Bulk exports without their HTTP edge: what the CLI runs in process (export-runtime.ts). */
@Module({
  imports: [RegistryModule, AccessMatrixModule, SubjectsModule],
  providers: [ExportsService],
  exports: [ExportsService],
})
export class ExportsCoreModule {}

/** Bulk export of customers as CSV or XLSX (issue #15), traced in the access log and the ledger. */
@Module({
  imports: [ExportsCoreModule],
  controllers: [ExportsHttpController],
})
export class ExportsModule {}
