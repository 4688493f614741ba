import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { FollowUpErrorCode } from '@pi-ledger/ledger-domain/follow-ups/follow-up.errors';
import { FollowUpTaskQueries } from '@pi-ledger/read-models/projections/follow-ups/follow-up-tasks.queries';
import { FollowUpPlanQueries } from '@pi-ledger/read-models/projections/follow-ups/follow-up-plans.queries';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { DepartmentsModule } from '../departments/departments.module';
import { RegistryModule } from '../registry/registry.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { FollowUpsHttpController } from './follow-ups.http.controller';
import { FollowUpsMetrics } from './follow-ups.metrics';
import { FollowUpsService } from './follow-ups.service';
import { FollowUpRulesService } from './follow-up-rules.service';
import { EscalationPolicyHttpController, FollowUpRulesHttpController } from './follow-up-rules.http.controller';
import { EscalationPolicyService } from './escalation-policy.service';
import { FollowUpPlansService } from './follow-up-plans.service';
import { FollowUpPlansHttpController } from './follow-up-plans.http.controller';
import { FollowUpSweep } from './follow-up.sweep';
import { followUpSweepScheduleProvider } from './follow-up-sweep.schedule';

registerProblemCodes({
  'follow-up-not-found': { status: 404, title: 'Follow-up task not found' },
  'follow-up-not-open': { status: 409, title: 'The follow-up task is closed' },
  'follow-up-exists': { status: 409, title: 'Follow-up task already exists' },
  'follow-up-plan-not-found': { status: 404, title: 'Follow-up plan not found' },
  'follow-up-plan-ended': { status: 409, title: 'The follow-up plan has ended' },
  'follow-up-plan-exists': { status: 409, title: 'Follow-up plan already exists' },
} satisfies Record<FollowUpErrorCode, unknown>);

/** Follow-up tasks (回访) and recurring plans: per customer, work queues per assignee and department, the sweep (occurrences, escalation), the metrics. */
@Module({
  imports: [SubjectRecordsModule, SubjectsModule, RegistryModule, DepartmentsModule],
  controllers: [FollowUpsHttpController, FollowUpRulesHttpController, EscalationPolicyHttpController, FollowUpPlansHttpController],
  providers: [
    FollowUpsService,
    FollowUpTaskQueries,
    FollowUpPlanQueries,
    FollowUpsMetrics,
    FollowUpRulesService,
    EscalationPolicyService,
    FollowUpPlansService,
    followUpSweepScheduleProvider,
    FollowUpSweep,
  ],
  exports: [FollowUpsService, FollowUpRulesService, FollowUpPlansService],
})
export class FollowUpsModule {}
