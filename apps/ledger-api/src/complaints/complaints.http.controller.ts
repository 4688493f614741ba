import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { ReadsProjections } from '../http/min-position';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { etag, expectedVersionFromIfMatch } from '../http/if-match';
import { AssignComplaintDto, CloseComplaintDto, ComplaintQueueDto, ComplaintTextDto, EscalateComplaintDto, FileComplaintDto } from './complaints.dto';
import { ComplaintChange, ComplaintsService } from './complaints.service';

type Reply = Pick<FastifyReply, 'header'>;
const IF_MATCH = ApiHeader({ name: 'If-Match', required: false, description: 'The complaint’s version (ETag): 412 when it moved since' });

@ApiTags('complaints')
@ApiBearerAuth()
@Controller('v1')
@UseInterceptors(IdempotencyInterceptor)
export class ComplaintsHttpController {
  constructor(private readonly complaints: ComplaintsService) {}

  @Post('subjects/:id/complaints')
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Receive a complaint (投诉) of a customer: channel, category, severity, a sealed description; deadlines by severity' })
  async file(@Param('id', SubjectIdPipe) id: string, @Body() body: FileComplaintDto, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: Reply) {
    const filed = await this.complaints.file(id, body, context);
    reply.header('etag', etag(filed.version));
    return filed;
  }

  @Get('subjects/:id/complaints')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('complaints')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' })
  @ApiOperation({ summary: 'A customer’s complaints with description and latest reply (health-data ones withheld without health_records); the read is recorded' })
  async listOf(@Param('id', SubjectIdPipe) id: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return { items: await this.complaints.listOf(id, context, purpose) };
  }

  @Get('subjects/:id/complaints/:complaintId')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' })
  @ApiOperation({ summary: 'One complaint with every step (who, when, what), its texts opened; ETag is its version; the read is recorded' })
  async readOne(
    @Param('id', SubjectIdPipe) id: string,
    @Param('complaintId', SubjectIdPipe) complaintId: string,
    @Headers('x-processing-purpose') purpose: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    const { view, version } = await this.complaints.readOne(id, complaintId, context, purpose);
    reply.header('etag', etag(version));
    return { ...view, version };
  }

  @Get('complaints')
  @Roles(...FILE_ROLES, 'manager', 'compliance_officer')
  @ReadsProjections('complaints')
  @ApiOperation({ summary: 'The complaints queue by resolution deadline: ?status, ?severity, ?department=mine, ?assignee=me, ?overdue=true (no customer values)' })
  queue(@Query() query: ComplaintQueueDto, @Ctx() context: RequestContext) {
    return this.complaints.queue(query, context);
  }

  @Post('complaints/:complaintId/assign')
  @HttpCode(200)
  @Roles(...FILE_ROLES, 'manager')
  @IF_MATCH
  @ApiOperation({ summary: 'Give the complaint a handler (and department); a received complaint becomes assigned' })
  assign(
    @Param('complaintId', SubjectIdPipe) complaintId: string,
    @Body() body: AssignComplaintDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.change(
      reply,
      complaintId,
      { type: 'AssignComplaint', handler: body.handler, ...(body.department === undefined ? {} : { department: body.department }) },
      context,
      ifMatch,
    );
  }

  @Post('complaints/:complaintId/start')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @IF_MATCH
  @ApiOperation({ summary: 'The handler starts working on an assigned complaint (in progress)' })
  start(
    @Param('complaintId', SubjectIdPipe) complaintId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.change(reply, complaintId, { type: 'StartComplaint' }, context, ifMatch);
  }

  @Post('complaints/:complaintId/notes')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @IF_MATCH
  @ApiOperation({ summary: 'Add a note (sealed) to an open complaint' })
  note(
    @Param('complaintId', SubjectIdPipe) complaintId: string,
    @Body() body: ComplaintTextDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.change(reply, complaintId, { type: 'NoteComplaint', note: body.text, purposeId: body.purposeId }, context, ifMatch);
  }

  @Post('complaints/:complaintId/reply')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @IF_MATCH
  @ApiOperation({ summary: 'Record the reply (sealed) given to the customer: in progress → replied' })
  replyTo(
    @Param('complaintId', SubjectIdPipe) complaintId: string,
    @Body() body: ComplaintTextDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.change(reply, complaintId, { type: 'ReplyToComplaint', reply: body.text, purposeId: body.purposeId }, context, ifMatch);
  }

  @Post('complaints/:complaintId/close')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @IF_MATCH
  @ApiOperation({ summary: 'Close a replied complaint with the customer’s satisfaction with the resolution (1–5)' })
  close(
    @Param('complaintId', SubjectIdPipe) complaintId: string,
    @Body() body: CloseComplaintDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.change(reply, complaintId, { type: 'CloseComplaint', satisfaction: body.satisfaction ?? null, purposeId: body.purposeId }, context, ifMatch);
  }

  @Post('complaints/:complaintId/reopen')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @IF_MATCH
  @ApiOperation({ summary: 'Reopen a replied or closed complaint with the reason (sealed): back in progress, with fresh deadlines' })
  reopen(
    @Param('complaintId', SubjectIdPipe) complaintId: string,
    @Body() body: ComplaintTextDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.change(reply, complaintId, { type: 'ReopenComplaint', reason: body.text, purposeId: body.purposeId }, context, ifMatch);
  }

  @Post('complaints/:complaintId/escalate')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @IF_MATCH
  @ApiOperation({ summary: 'Escalate an open complaint to its department’s managers by hand, with an optional reason (sealed)' })
  escalate(
    @Param('complaintId', SubjectIdPipe) complaintId: string,
    @Body() body: EscalateComplaintDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return this.change(
      reply,
      complaintId,
      { type: 'EscalateComplaint', purposeId: body.purposeId, ...(body.reason === undefined ? {} : { reason: body.reason }) },
      context,
      ifMatch,
    );
  }

  private async change(reply: Reply, complaintId: string, change: ComplaintChange, context: RequestContext, ifMatch: string | undefined) {
    const changed = await this.complaints.change(complaintId, change, context, expectedVersionFromIfMatch(ifMatch));
    reply.header('etag', etag(changed.version));
    return changed;
  }
}
