import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { FollowUpErrorCode } from '@pi-ledger/ledger-domain/follow-ups/follow-up.errors';
import { FollowUpTaskQueries } from '@pi-ledger/read-models/projections/follow-ups/follow-up-tasks.queries';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { FollowUpsHttpController } from './follow-ups.http.controller';
import { FollowUpsMetrics } from './follow-ups.metrics';
import { FollowUpsService } from './follow-ups.service';
import { FollowUpRulesService } from './follow-up-rules.service';
import { FollowUpRulesHttpController } from './follow-up-rules.http.controller';

registerProblemCodes({
  'follow-up-not-found': { status: 404, title: 'Follow-up task not found' },
  'follow-up-not-open': { status: 409, title: 'The follow-up task is closed' },
  'follow-up-exists': { status: 409, title: 'Follow-up task already exists' },
} satisfies Record<FollowUpErrorCode, unknown>);

/** Follow-up tasks (回访): per customer, work queues per assignee and department, the overdue metric. */
@Module({
  imports: [SubjectRecordsModule],
  controllers: [FollowUpsHttpController, FollowUpRulesHttpController],
  providers: [FollowUpsService, FollowUpTaskQueries, FollowUpsMetrics, FollowUpRulesService],
  exports: [FollowUpsService, FollowUpRulesService],
})
export class FollowUpsModule {}
