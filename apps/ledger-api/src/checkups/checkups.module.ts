import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { CheckupErrorCode } from '@pi-ledger/ledger-domain/checkups/checkup.errors';
import { CheckupVisitQueries } from '@pi-ledger/read-models/projections/checkups/checkup-visits.queries';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { FollowUpsModule } from '../follow-ups/follow-ups.module';
import { CheckupsHttpController } from './checkups.http.controller';
import { CheckupsService } from './checkups.service';

registerProblemCodes({
  'checkup-exists': { status: 409, title: 'Check-up already recorded' },
  'checkup-not-found': { status: 404, title: 'Check-up not found' },
} satisfies Record<CheckupErrorCode, unknown>);

/** Check-up records (体检): visits, results, trends. */
@Module({
  imports: [SubjectRecordsModule, FollowUpsModule],
  controllers: [CheckupsHttpController],
  providers: [CheckupsService, CheckupVisitQueries],
  exports: [CheckupsService, CheckupVisitQueries],
})
export class CheckupsModule {}
