import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { SurveyErrorCode } from '@pi-ledger/ledger-domain/surveys/survey.errors';
import { SurveyResponseQueries } from '@pi-ledger/read-models/projections/surveys/survey-responses.queries';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { RegistryModule } from '../registry/registry.module';
import { MessagesModule } from '../messages/messages.module';
import { SurveysHttpController } from './surveys.http.controller';
import { SurveyDefinitionsService } from './survey-definitions.service';
import { SurveyResponsesService } from './survey-responses.service';

registerProblemCodes({
  'survey-not-found': { status: 404, title: 'Survey not found' },
  'survey-exists': { status: 409, title: 'Survey already exists' },
  'survey-already-dispatched': { status: 409, title: 'Survey already sent for this service' },
  'survey-not-dispatched': { status: 404, title: 'No survey sent under this id' },
  'survey-already-answered': { status: 409, title: 'Survey already answered' },
  'service-record-not-found': { status: 404, title: 'Service record not found' },
} satisfies Record<SurveyErrorCode, unknown>);

/** Satisfaction surveys (满意度调查): questionnaires, dispatch after a service, responses, CSAT/NPS. */
@Module({
  imports: [SubjectRecordsModule, RegistryModule, MessagesModule],
  controllers: [SurveysHttpController],
  providers: [SurveyDefinitionsService, SurveyResponsesService, SurveyResponseQueries],
  exports: [SurveyResponsesService],
})
export class SurveysModule {}
