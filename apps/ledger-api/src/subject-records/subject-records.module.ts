import { Module } from '@nestjs/common';
import { AccessMatrixModule } from '../access-matrix/access-matrix.module';
import { RegistryModule } from '../registry/registry.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { SubjectRecordAccess } from './subject-record-access';
import { BreakGlassModule } from '../compliance/break-glass/break-glass.module';

/** What every kind of customer record (check-ups, service records, follow-ups) is guarded by. */
@Module({
  imports: [SubjectsModule, RegistryModule, AccessMatrixModule, BreakGlassModule],
  providers: [SubjectRecordAccess],
  exports: [SubjectRecordAccess],
})
export class SubjectRecordsModule {}
