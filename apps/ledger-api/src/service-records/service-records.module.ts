import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { ServiceRecordErrorCode } from '@pi-ledger/ledger-domain/service-records/service-record.errors';
import { ServiceRecordQueries } from '@pi-ledger/read-models/projections/service-records/service-records.queries';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { ServiceRecordsHttpController } from './service-records.http.controller';
import { ServiceRecordsService } from './service-records.service';

registerProblemCodes({ 'service-record-exists': { status: 409, title: 'Service record already exists' } } satisfies Record<ServiceRecordErrorCode, unknown>);

/** Service records (服务记录). */
@Module({
  imports: [SubjectRecordsModule],
  controllers: [ServiceRecordsHttpController],
  providers: [ServiceRecordsService, ServiceRecordQueries],
  exports: [ServiceRecordsService],
})
export class ServiceRecordsModule {}
