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

/** Bulk export of customers as CSV or XLSX (issue #15), traced in the access log and the ledger. */
@Module({
  imports: [RegistryModule, AccessMatrixModule, SubjectsModule],
  controllers: [ExportsHttpController],
  providers: [ExportsService],
  exports: [ExportsService],
})
export class ExportsModule {}
