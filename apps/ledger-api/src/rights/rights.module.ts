import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { LegalHoldErrorCode } from '@pi-ledger/ledger-domain/legal-hold/legal-hold.errors';
import type { RightsRequestErrorCode } from '@pi-ledger/ledger-domain/rights-request/rights-request.errors';
import { RegistryModule } from '../registry/registry.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { CheckupsModule } from '../checkups/checkups.module';
import { ServiceRecordsModule } from '../service-records/service-records.module';
import { FollowUpsModule } from '../follow-ups/follow-ups.module';
import { OrdersModule } from '../orders/orders.module';
import { ComplaintsModule } from '../complaints/complaints.module';
import { MessagesModule } from '../messages/messages.module';
import { SurveysModule } from '../surveys/surveys.module';
import { ErasureService } from './erasure/erasure.service';
import { ErasureCertificates } from './erasure/erasure-certificates';
import { ErasureCertificatesHttpController } from './erasure/erasure-certificates.http.controller';
import type { ErasureErrorCode } from './erasure/erasure.errors';
import { LegalHoldsService } from './legal-holds/legal-holds.service';
import { LegalHoldsHttpController } from './legal-holds/legal-holds.http.controller';
import { RightsRequestsHttpController } from './requests/rights-requests.http.controller';
import { RightsRequestsService } from './requests/rights-requests.service';
import { RightsFulfilment } from './requests/rights-fulfilment';
import { SubjectExport } from './requests/subject-export';
import { retentionScheduleProvider } from './retention/retention-schedule';
import { RetentionScheduler } from './retention/retention.scheduler';
import { FileClosureHttpController } from './closure/file-closure.http.controller';
import { FileClosureService } from './closure/file-closure.service';

registerProblemCodes({
  'request-not-found': { status: 404, title: 'Rights request not found' },
  'request-exists': { status: 409, title: 'Rights request exists' },
  'relation-required': { status: 422, title: 'Relation to the deceased required' },
  'invalid-transition': { status: 409, title: 'Not allowed in this state' },
  'not-verified': { status: 409, title: 'Identity not verified' },
  'already-extended': { status: 409, title: 'Already extended' },
  'invalid-due-date': { status: 422, title: 'Invalid due date' },
  'extension-too-long': { status: 422, title: 'Extension beyond the allowed time' },
  'unknown-purpose': { status: 422, title: 'Unknown purpose' },
  'not-automated-decision': { status: 422, title: 'The purpose makes no automated decisions' },
} satisfies Record<RightsRequestErrorCode, unknown>);

registerProblemCodes({
  'legal-hold-not-found': { status: 404, title: 'Legal hold not found' },
  'legal-hold-exists': { status: 409, title: 'Legal hold already exists' },
  'legal-hold-expired': { status: 422, title: 'Legal hold already ended' },
  'invalid-legal-hold': { status: 422, title: 'Invalid legal hold' },
} satisfies Record<LegalHoldErrorCode, unknown>);

registerProblemCodes({
  'erasure-request-conflict': { status: 409, title: 'This request id already certifies the erasure of another subject' },
  'erasure-certificate-not-found': { status: 404, title: 'No erasure certificate for this request' },
  'certificate-signature-invalid': { status: 422, title: 'Not an erasure certificate this ledger signed' },
  'certificate-subject-mismatch': { status: 422, title: 'The certificate’s keys and pseudonym do not name one subject' },
  'legal-hold-missing': { status: 409, title: 'A legal hold the erasure kept is not in this ledger' },
} satisfies Record<ErasureErrorCode, unknown>);

/** The data subject's rights (PIPL Arts. 44–50): requests and their fulfilment, erasure with certificates, legal holds, retention. */
@Module({
  imports: [RegistryModule, SubjectsModule, CheckupsModule, ServiceRecordsModule, FollowUpsModule, OrdersModule, ComplaintsModule, MessagesModule, SurveysModule],
  controllers: [LegalHoldsHttpController, RightsRequestsHttpController, ErasureCertificatesHttpController, FileClosureHttpController],
  providers: [
    LegalHoldsService,
    ErasureCertificates,
    ErasureService,
    RightsRequestsService,
    RightsFulfilment,
    SubjectExport,
    retentionScheduleProvider,
    RetentionScheduler,
    FileClosureService,
  ],
  exports: [LegalHoldsService],
})
export class RightsModule {}
