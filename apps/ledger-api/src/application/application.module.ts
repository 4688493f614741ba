import { Global, Module } from '@nestjs/common';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { ConsentRegisterQueries } from '@pi-ledger/read-models/projections/consent-register/consent-register.queries';
import { DisclosureRegisterQueries } from '@pi-ledger/read-models/projections/disclosure-register/disclosure-register.queries';
import { AccessLogQueries } from '@pi-ledger/read-models/projections/access-log/access-log.queries';
import { SubjectStatisticsQueries } from '@pi-ledger/read-models/projections/statistics/subject-statistics.queries';
import { DailyActivityQueries } from '@pi-ledger/read-models/projections/statistics/daily-activity.queries';
import { RightsRequestQueries } from '@pi-ledger/read-models/projections/rights-requests/rights-requests.projection';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { MinPositionInterceptor } from '../http/min-position';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { PersonalDataLookupInterceptor } from '../http/personal-data-lookup';
import { LookupMonitor } from './lookup-monitor';
import { ProjectionFreshness } from './projection-freshness';

registerProblemCodes({ 'lookup-rate-exceeded': { status: 429, title: 'Too many personal-data look-ups' } });

const READ_MODEL_QUERIES = [
  SubjectProfileQueries,
  ConsentRegisterQueries,
  DisclosureRegisterQueries,
  AccessLogQueries,
  SubjectStatisticsQueries,
  DailyActivityQueries,
  RightsRequestQueries,
];

/** What every feature module reads through: the read models' queries, read-your-writes, idempotency, the look-up monitor. */
@Global()
@Module({
  providers: [...READ_MODEL_QUERIES, ProjectionFreshness, MinPositionInterceptor, IdempotencyInterceptor, LookupMonitor, PersonalDataLookupInterceptor],
  exports: [...READ_MODEL_QUERIES, ProjectionFreshness, MinPositionInterceptor, IdempotencyInterceptor, LookupMonitor, PersonalDataLookupInterceptor],
})
export class ApplicationModule {}
