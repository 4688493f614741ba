import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import type { LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import type { Projection } from '../runner/projection';
import { AccessLogProjection } from './access-log/access-log.projection';
import { ConsentRegisterProjection } from './consent-register/consent-register.projection';
import { DisclosureRegisterProjection } from './disclosure-register/disclosure-register.projection';
import { DailyActivityProjection } from './statistics/daily-activity.projection';
import { SubjectProfileProjection } from './subject-profile/subject-profile.projection';
import { CustomerNumbersProjection } from './customer-numbers/customer-numbers.projection';
import { checkupVisitsProjection } from './checkups/checkup-visits.projection';
import { serviceRecordsProjection } from './service-records/service-records.projection';
import { FollowUpTasksProjection } from './follow-ups/follow-up-tasks.projection';
import { OrdersProjection } from './orders/orders.projection';
import { ComplaintsProjection } from './complaints/complaints.projection';
import { FollowUpPlansProjection } from './follow-ups/follow-up-plans.projection';
import { OutboxMessagesProjection } from './messages/outbox-messages.projection';
import { SurveyResponsesProjection } from './surveys/survey-responses.projection';
import { ReportFactsProjection } from './reports/report-facts.projection';
import { DuplicateCandidatesProjection } from './duplicates/duplicate-candidates.projection';
import { CustomerQueryProjection } from './customer-query/customer-query.projection';
import { SavedQueriesProjection } from './customer-query/saved-queries.projection';
import { followingMoves } from './subject-records/record-moves';

/** Every projection of the ledger's read models, for the runner (API in-process, or the projector); those of records follow a merge's moves (record-moves.ts). */
export function ledgerProjections(vault: PiiVault, clock: LedgerClock): Projection[] {
  return [
    new SubjectProfileProjection(vault),
    new ConsentRegisterProjection(),
    new DisclosureRegisterProjection(),
    new AccessLogProjection(),
    new DailyActivityProjection(),
    new CustomerNumbersProjection(),
    followingMoves(checkupVisitsProjection()),
    followingMoves(serviceRecordsProjection()),
    followingMoves(new FollowUpTasksProjection()),
    followingMoves(new OrdersProjection()),
    followingMoves(new ComplaintsProjection()),
    followingMoves(new FollowUpPlansProjection()),
    followingMoves(new OutboxMessagesProjection()),
    followingMoves(new SurveyResponsesProjection()),
    followingMoves(new ReportFactsProjection(vault)),
    new DuplicateCandidatesProjection(vault),
    new CustomerQueryProjection(vault, clock),
    new SavedQueriesProjection(),
  ];
}
