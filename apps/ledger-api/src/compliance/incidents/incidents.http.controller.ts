import { Body, Controller, Get, Headers, Param, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { RecordIncidentDto, RecordNotificationDto } from './incidents.dto';
import { BREACH_RESPONSE_PURPOSE_ID, IncidentsService } from './incidents.service';

const instant = (value: string) => new Date(value).toISOString();

@ApiTags('compliance')
@ApiBearerAuth()
@Controller('v1/compliance/incidents')
@UseInterceptors(IdempotencyInterceptor)
export class IncidentsHttpController {
  constructor(private readonly incidents: IncidentsService) {}

  @Post()
  @Roles('compliance_officer')
  @ApiOperation({ summary: 'Record a personal-information security incident (PIPL Art. 57): detection, window, accounts or systems, categories; no PI' })
  record(@Body() body: RecordIncidentDto, @Ctx() context: RequestContext) {
    const { kind, detectedAt, from, to, actors, systems, categories } = body;
    return this.incidents.record(
      { kind, detectedAt: instant(detectedAt), from: instant(from), to: instant(to), actors, systems: systems ?? [], categories: categories ?? [] },
      context,
    );
  }

  @Get()
  @Roles('compliance_officer', 'auditor')
  async list() {
    return { items: await this.incidents.list() };
  }

  @Get(':incidentId')
  @Roles('compliance_officer', 'auditor')
  find(@Param('incidentId', SubjectIdPipe) incidentId: string) {
    return this.incidents.find(incidentId);
  }

  @Get(':incidentId/affected')
  @Roles('compliance_officer')
  @ApiHeader({ name: 'X-Processing-Purpose', required: true, description: `${BREACH_RESPONSE_PURPOSE_ID}: the handler's obligation to notify (Art. 57)` })
  @ApiOperation({ summary: 'Which subjects and which categories the incident affected, from the access and event logs; every subject listed is access-logged' })
  affected(@Param('incidentId', SubjectIdPipe) incidentId: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    breachResponse(purpose);
    return this.incidents.affected(incidentId, context);
  }

  @Get(':incidentId/notification-list')
  @Roles('compliance_officer')
  @ApiHeader({ name: 'X-Processing-Purpose', required: true, description: `${BREACH_RESPONSE_PURPOSE_ID}: the handler's obligation to notify (Art. 57)` })
  @ApiOperation({
    summary: 'The affected subjects with the name, mobile number and email on file to notify them (Art. 57), generated now and never stored; every subject listed is access-logged',
  })
  notificationList(@Param('incidentId', SubjectIdPipe) incidentId: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    breachResponse(purpose);
    return this.incidents.notificationList(incidentId, context);
  }

  @Post(':incidentId/notifications')
  @Roles('compliance_officer')
  @ApiOperation({ summary: 'Record a notification sent to the regulator or to the affected subjects (those: how many, and a digest of the list)' })
  notify(@Param('incidentId', SubjectIdPipe) incidentId: string, @Body() body: RecordNotificationDto, @Ctx() context: RequestContext) {
    const { audience, channel, reference, notifiedAt } = body;
    return this.incidents.notify(incidentId, { audience, channel, ...(reference ? { reference } : {}), notifiedAt: instant(notifiedAt) }, context);
  }
}

/** Who an incident affected is shown only under the reserved purpose of breach response. */
function breachResponse(purpose: string | undefined): void {
  if (!purpose) {
    throw new ProblemException(400, 'purpose-required', 'Purpose of access required', 'listing affected subjects needs an X-Processing-Purpose header', [
      { path: 'headers.x-processing-purpose', message: `required: ${BREACH_RESPONSE_PURPOSE_ID}` },
    ]);
  }
  if (purpose !== BREACH_RESPONSE_PURPOSE_ID) {
    throw new ProblemException(403, 'no-legal-basis', 'No legal basis', `affected subjects are listed only for breach response (${BREACH_RESPONSE_PURPOSE_ID})`);
  }
}
