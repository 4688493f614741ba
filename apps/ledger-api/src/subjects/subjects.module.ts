import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { SubjectErrorCode } from '@pi-ledger/ledger-domain/subject/subject.errors';
import type { AccessMatrixErrorCode } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.errors';
import { AccessMatrixModule } from '../access-matrix/access-matrix.module';
import { RegistryModule } from '../registry/registry.module';
import { AccessLogHttpController } from '../access-log/access-log.http.controller';
import { AccessRecorder } from '../access-log/access-recorder';
import { SubjectCommandsService } from './subject-commands.service';
import { SubjectIdNumbers } from './subject-id-numbers';
import { RegisterSubjectHandler } from './register-subject/register-subject.handler';
import { RegisterSubjectHttpController } from './register-subject/register-subject.http.controller';
import { AddDataItemHandler, ChangeDataHandler } from './change-data/change-data.handler';
import { ChangeDataHttpController } from './change-data/change-data.http.controller';
import { GrantConsentHandler, WithdrawConsentHandler } from './consents/consents.handler';
import { ConsentsHttpController } from './consents/consents.http.controller';
import { LiftRestrictionHandler, RestrictProcessingHandler } from './restrictions/restrictions.handler';
import { RestrictionsHttpController } from './restrictions/restrictions.http.controller';
import { DiscloseHandler } from './disclosures/disclosures.handler';
import { DisclosuresHttpController } from './disclosures/disclosures.http.controller';
import { ReadSubjectHandler } from './read-subject/read-subject.query';
import { ReadSubjectHttpController } from './read-subject/read-subject.http.controller';
import { SearchSubjectsHandler } from './search-subjects/search-subjects.query';
import { SearchSubjectsHttpController } from './search-subjects/search-subjects.http.controller';
import { SearchCriteria } from './search-subjects/search-criteria';
import { QuerySubjectsHandler } from './query-subjects/query-subjects.query';
import { QuerySubjectsHttpController } from './query-subjects/query-subjects.http.controller';
import { CustomerQueryQueries } from '@pi-ledger/read-models/projections/customer-query/customer-query.queries';
import { SubjectRegistersHttpController } from './subject-registers/subject-registers.http.controller';
import type { AssignmentErrorCode } from '@pi-ledger/ledger-domain/assignment/assignment.errors';
import { DepartmentsModule } from '../departments/departments.module';
import { BreakGlassModule } from '../compliance/break-glass/break-glass.module';
import { AssignSubjectHandler } from './assignment/assign-subject.handler';
import { AssignSubjectHttpController } from './assignment/assign-subject.http.controller';
import { ChangeLifecycleStageHandler } from './lifecycle/change-lifecycle.handler';
import { LifecycleHttpController } from './lifecycle/lifecycle.http.controller';
import { CustomerNumbersService } from './customer-numbers/customer-numbers.service';
import { CustomerNumbersHttpController } from './customer-numbers/customer-numbers.http.controller';
import { CustomerNumberQueries } from '@pi-ledger/read-models/projections/customer-numbers/customer-numbers.projection';
import { MERGE_PROBLEMS } from './merge/merge.problems';

registerProblemCodes({
  'category-not-in-purpose': { status: 422, title: 'Category not within the purpose' },
  'separate-consent-required': { status: 422, title: 'Separate consent required' },
  'consent-required': { status: 422, title: 'Consent required' },
  'guardian-consent-required': { status: 422, title: 'Guardian consent required' },
  'unknown-purpose': { status: 422, title: 'Unknown purpose' },
  'unknown-notice': { status: 422, title: 'Unknown notice version' },
  'notice-does-not-cover-purpose': { status: 422, title: 'Notice does not describe the purpose' },
  'duplicate-subject': { status: 409, title: 'Subject already registered' },
  'subject-exists': { status: 409, title: 'Subject already exists' },
  'subject-not-found': { status: 404, title: 'Subject not found' },
  'consent-not-found': { status: 404, title: 'Consent not found' },
  'restriction-not-found': { status: 404, title: 'Restriction not found' },
  'subject-erased': { status: 410, title: 'Subject erased' },
  'processing-restricted': { status: 403, title: 'Processing restricted' },
  'no-legal-basis': { status: 403, title: 'No legal basis for this purpose' },
  'data-erased': { status: 410, title: 'Data erased' },
  'rights-request-not-found': { status: 422, title: 'The named rights request does not exist' },
  'rights-request-mismatch': { status: 422, title: 'The named rights request is not one this change can fulfil' },
  'rights-request-not-open': { status: 409, title: 'The named rights request is not verified or in progress' },
  'lifecycle-transition-not-allowed': { status: 409, title: 'The customer cannot move to that lifecycle stage from its current one' },
  ...MERGE_PROBLEMS,
} satisfies Record<SubjectErrorCode, unknown>);

registerProblemCodes({
  'category-not-permitted': { status: 403, title: 'Category not permitted for your roles' },
} satisfies Record<AccessMatrixErrorCode, unknown>);

registerProblemCodes({
  'outside-assignment': { status: 403, title: 'Customer outside your assignment' },
  'unknown-department': { status: 422, title: 'Unknown department' },
  'inactive-department': { status: 422, title: 'Department deactivated' },
} satisfies Record<AssignmentErrorCode, unknown>);

/** Customer files: registration, data changes, consents, restrictions, disclosures, reads, search, the access log. */
@Module({
  imports: [RegistryModule, AccessMatrixModule, DepartmentsModule, BreakGlassModule],
  controllers: [
    RegisterSubjectHttpController,
    ReadSubjectHttpController,
    ChangeDataHttpController,
    ConsentsHttpController,
    RestrictionsHttpController,
    DisclosuresHttpController,
    QuerySubjectsHttpController,
    SearchSubjectsHttpController,
    SubjectRegistersHttpController,
    AccessLogHttpController,
    AssignSubjectHttpController,
    LifecycleHttpController,
    CustomerNumbersHttpController,
  ],
  providers: [
    SubjectCommandsService,
    SubjectIdNumbers,
    AccessRecorder,
    RegisterSubjectHandler,
    ChangeDataHandler,
    AddDataItemHandler,
    GrantConsentHandler,
    WithdrawConsentHandler,
    RestrictProcessingHandler,
    LiftRestrictionHandler,
    DiscloseHandler,
    ReadSubjectHandler,
    SearchSubjectsHandler,
    SearchCriteria,
    QuerySubjectsHandler,
    CustomerQueryQueries,
    AssignSubjectHandler,
    ChangeLifecycleStageHandler,
    CustomerNumbersService,
    CustomerNumberQueries,
  ],
  exports: [SubjectCommandsService, SubjectIdNumbers, AccessRecorder, CustomerNumberQueries, CustomerNumbersService, SearchCriteria, RegisterSubjectHandler],
})
export class SubjectsModule {}
