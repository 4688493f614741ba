import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { AssessmentErrorCode } from '@pi-ledger/ledger-domain/assessments/assessment.errors';
import type { CrossBorderErrorCode } from '@pi-ledger/ledger-domain/assessments/cross-border';
import { RegistryModule } from '../../registry/registry.module';
import { AssessmentsHttpController } from './assessments.http.controller';
import { AssessmentsService } from './assessments.service';

registerProblemCodes({
  'assessment-required': { status: 422, title: 'An approved, unexpired impact assessment is required for this purpose' },
  'assessment-not-found': { status: 404, title: 'Impact assessment not found' },
  'assessment-version-outdated': { status: 409, title: 'Not the latest version of the assessment' },
  'assessment-not-acceptable': { status: 422, title: 'The assessment concludes the risk is not acceptable' },
  'assessment-purpose-fixed': { status: 422, title: 'An assessment keeps the purpose it assesses' },
  'assessment-expiry-passed': { status: 422, title: 'The approval would already have expired' },
} satisfies Record<AssessmentErrorCode, unknown>);

registerProblemCodes({
  'cross-border-mechanism-required': { status: 422, title: 'Provision outside the mainland needs a legal mechanism and its reference' },
  'cross-border-consent-required': { status: 422, title: 'Provision outside the mainland needs a separate consent naming the country or region' },
  'cross-border-assessment-required': { status: 422, title: 'Provision outside the mainland needs an approved impact assessment covering it' },
} satisfies Record<CrossBorderErrorCode, unknown>);

/** Impact assessments (PIPL Arts. 55–56): recorded, versioned, approved until an expiry; processing under a purpose that requires one is admitted only while one covers it. */
@Module({
  imports: [RegistryModule],
  controllers: [AssessmentsHttpController],
  providers: [AssessmentsService],
  exports: [AssessmentsService],
})
export class AssessmentsModule {}
