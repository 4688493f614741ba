import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { ReadsProjections } from '../http/min-position';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { CancelFollowUpDto, CompleteFollowUpDto, FollowUpQueueDto, OpenFollowUpDto, ReassignFollowUpDto } from './follow-ups.dto';
import { FollowUpsService } from './follow-ups.service';

@ApiTags('follow-ups')
@ApiBearerAuth()
@Controller('v1')
@UseInterceptors(IdempotencyInterceptor)
export class FollowUpsHttpController {
  constructor(private readonly followUps: FollowUpsService) {}

  @Post('subjects/:id/follow-ups')
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Open a follow-up task (回访) for a customer: due date, assignee, channel, a sealed note' })
  open(@Param('id', SubjectIdPipe) id: string, @Body() body: OpenFollowUpDto, @Ctx() context: RequestContext) {
    const { dueDate, channel, note, purposeId } = body;
    const assignee = body.assignee ?? context.actor.id;
    const department = body.department ?? context.actor.departmentId ?? null;
    return this.followUps.open(id, { dueDate, assignee, department, channel, source: { kind: 'manual' }, ...(note === undefined ? {} : { note }) }, purposeId, context);
  }

  @Get('subjects/:id/follow-ups')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('follow_up_tasks')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' })
  @ApiOperation({ summary: 'A customer’s follow-up tasks with their notes and outcomes; the read is recorded' })
  async listOf(@Param('id', SubjectIdPipe) id: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return { items: await this.followUps.listOf(id, context, purpose) };
  }

  @Get('follow-ups')
  @Roles(...FILE_ROLES, 'manager')
  @ReadsProjections('follow_up_tasks')
  @ApiOperation({ summary: 'A work queue of follow-up tasks by due date: ?assignee=me, ?department=mine, ?status=open, ?overdue=true (no customer values)' })
  queue(@Query() query: FollowUpQueueDto, @Ctx() context: RequestContext) {
    return this.followUps.queue(query, context);
  }

  @Get('tasks')
  @Roles(...FILE_ROLES, 'manager')
  @ReadsProjections('follow_up_tasks')
  @ApiOperation({ summary: 'The same work queue under the issue’s name: e.g. a manager’s escalations, ?escalated=true&escalatedTo=me' })
  tasks(@Query() query: FollowUpQueueDto, @Ctx() context: RequestContext) {
    return this.followUps.queue(query, context);
  }

  @Post('follow-ups/:taskId/complete')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Close an open task as done, with its outcome (sealed)' })
  complete(@Param('taskId', SubjectIdPipe) taskId: string, @Body() body: CompleteFollowUpDto, @Ctx() context: RequestContext) {
    return this.followUps.change(taskId, { type: 'CompleteFollowUp', outcome: body.outcome, purposeId: body.purposeId }, context);
  }

  @Post('follow-ups/:taskId/cancel')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Cancel an open task, with the reason (sealed)' })
  cancel(@Param('taskId', SubjectIdPipe) taskId: string, @Body() body: CancelFollowUpDto, @Ctx() context: RequestContext) {
    return this.followUps.change(taskId, { type: 'CancelFollowUp', reason: body.reason, purposeId: body.purposeId }, context);
  }

  @Post('follow-ups/:taskId/reassign')
  @HttpCode(200)
  @Roles(...FILE_ROLES, 'manager')
  @ApiOperation({ summary: 'Give an open task to another staff member (and department)' })
  reassign(@Param('taskId', SubjectIdPipe) taskId: string, @Body() body: ReassignFollowUpDto, @Ctx() context: RequestContext) {
    return this.followUps.change(taskId, { type: 'ReassignFollowUp', assignee: body.assignee, department: body.department ?? null }, context);
  }
}
