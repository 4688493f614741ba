import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { isRealDate } from '@pi-ledger/ledger-domain/validation/resident-id';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { ReadsProjections } from '../http/min-position';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { AnswerSurveyDto, DispatchSurveyDto, SurveyDefinitionDto, SurveyResultsDto, SurveyVersionQueryDto } from './surveys.dto';
import { SurveyDefinitionsService } from './survey-definitions.service';
import { SurveyResponsesService } from './survey-responses.service';

const questions = (body: SurveyDefinitionDto) => ({
  title: body.title,
  questions: body.questions.map((q) => ({ id: q.id, kind: q.kind, text: q.text, required: q.required ?? true })),
});

@ApiTags('surveys')
@ApiBearerAuth()
@Controller('v1')
@UseInterceptors(IdempotencyInterceptor)
export class SurveysHttpController {
  constructor(
    private readonly definitions: SurveyDefinitionsService,
    private readonly responses: SurveyResponsesService,
  ) {}

  @Post('surveys')
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Define a questionnaire (满意度调查问卷): scale 1–5, NPS 0–10 and free-text questions; version 1' })
  define(@Body() body: SurveyDefinitionDto, @Ctx() context: RequestContext) {
    return this.definitions.publish(undefined, questions(body), context);
  }

  @Put('surveys/:surveyId')
  @Roles('manager', 'admin')
  @ApiOperation({ summary: 'Revise a questionnaire: a change is a new version (responses keep theirs), no change is nothing' })
  revise(@Param('surveyId', SubjectIdPipe) surveyId: string, @Body() body: SurveyDefinitionDto, @Ctx() context: RequestContext) {
    return this.definitions.publish(surveyId, questions(body), context);
  }

  @Get('surveys')
  @Roles('manager', 'admin', ...FILE_ROLES)
  @ApiOperation({ summary: 'The questionnaires, each at its latest version' })
  async list() {
    return { items: await this.definitions.list() };
  }

  @Get('surveys/:surveyId')
  @Roles('manager', 'admin', ...FILE_ROLES, 'data_subject')
  @ApiOperation({ summary: 'A questionnaire at its latest version, or at ?version=' })
  get(@Param('surveyId', SubjectIdPipe) surveyId: string, @Query() query: SurveyVersionQueryDto) {
    return this.definitions.get(surveyId, query.version);
  }

  @Get('surveys/:surveyId/results')
  @Roles('manager', 'admin', 'customer_service')
  @ReadsProjections('survey_responses')
  @ApiOperation({ summary: 'CSAT (share of 4–5 on the 1–5 scale) and NPS (promoters minus detractors) by service type, staff member or month of the service: counts, no customer' })
  results(@Param('surveyId', SubjectIdPipe) surveyId: string, @Query() query: SurveyResultsDto) {
    const unreal = (['from', 'to'] as const).filter((field) => !isRealDate(query[field]));
    if (unreal.length > 0) throw new InvalidInput(unreal.map((field) => ({ path: `query.${field}`, message: 'must be a real date, YYYY-MM-DD' })));
    if (query.from > query.to) throw new InvalidInput([{ path: 'query.to', message: 'must not be before from' }]);
    return this.responses.results(surveyId, query.from, query.to, query.by);
  }

  @Post('service-records/:recordId/survey')
  @Roles(...FILE_ROLES)
  @ReadsProjections('subject_profile')
  @ApiOperation({ summary: 'Send a questionnaire after a service: its invitation queued through the outbox (invite=false: answers collected offline)' })
  dispatch(@Param('recordId', SubjectIdPipe) recordId: string, @Body() body: DispatchSurveyDto, @Ctx() context: RequestContext) {
    return this.responses.dispatch(
      recordId,
      { surveyId: body.surveyId, purposeId: body.purposeId, invite: body.invite ?? true, ...(body.channel ? { channel: body.channel } : {}) },
      context,
    );
  }

  @Post('survey-responses/:responseId')
  @HttpCode(200)
  @Roles(...FILE_ROLES, 'data_subject')
  @ApiOperation({ summary: 'Answer a dispatched survey: staff entering the customer’s answers, or the customer with its own token' })
  answer(@Param('responseId', SubjectIdPipe) responseId: string, @Body() body: AnswerSurveyDto, @Ctx() context: RequestContext) {
    return this.responses.answer(responseId, body.answers, body.purposeId, context);
  }

  @Get('subjects/:id/survey-responses')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('survey_responses')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' })
  @ApiOperation({ summary: 'A customer’s survey responses with their free text; the read is recorded' })
  async listOf(@Param('id', SubjectIdPipe) id: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return { items: await this.responses.listOf(id, context, purpose) };
  }
}
