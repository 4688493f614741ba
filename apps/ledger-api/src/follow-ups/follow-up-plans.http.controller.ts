import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../http/if-match';
import { ReadsProjections } from '../http/min-position';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { CreateFollowUpPlanDto, ResumeFollowUpPlanDto } from './follow-ups.dto';
import { FollowUpPlansService } from './follow-up-plans.service';

type Reply = Pick<FastifyReply, 'header' | 'status'>;
const withEtag = <T extends { version: number }>(reply: Reply, result: T): T => {
  reply.header('etag', etag(result.version));
  return result;
};

/** Recurring follow-up plans (随访计划) of a customer; the sweep opens their tasks. `If-Match` makes a change exact. */
@ApiTags('follow-ups')
@ApiBearerAuth()
@Controller('v1')
@UseInterceptors(IdempotencyInterceptor)
export class FollowUpPlansHttpController {
  constructor(private readonly plans: FollowUpPlansService) {}

  @Post('subjects/:id/follow-up-plans')
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Create a recurring follow-up plan: every n days/weeks/months from a start date, until a count or an end date; a sealed reason' })
  async create(@Param('id', SubjectIdPipe) id: string, @Body() body: CreateFollowUpPlanDto, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: Reply) {
    const { every, unit, startDate, channel, reason, purposeId } = body;
    const schedule = { every, unit, startDate, endDate: body.endDate ?? null, occurrences: body.occurrences ?? null, leadDays: body.leadDays ?? 0 };
    const input = { schedule, channel, reason, assignee: body.assignee ?? null, department: body.department ?? context.actor.departmentId ?? null };
    return withEtag(reply, await this.plans.create(id, input, purposeId, context));
  }

  @Get('subjects/:id/follow-up-plans')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('follow_up_plans')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' })
  @ApiOperation({ summary: 'A customer’s follow-up plans with their reasons; the read is recorded' })
  async listOf(@Param('id', SubjectIdPipe) id: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return { items: await this.plans.listOf(id, context, purpose) };
  }

  @Get('follow-up-plans/:planId')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' })
  @ApiOperation({ summary: 'One plan as its stream has it (ETag: its version); the read is recorded' })
  async read(
    @Param('planId', SubjectIdPipe) planId: string,
    @Headers('x-processing-purpose') purpose: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return withEtag(reply, await this.plans.read(planId, context, purpose));
  }

  @Post('follow-up-plans/:planId/pause')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Pause a plan: no task opens while paused (what falls due meanwhile is skipped)' })
  async pause(
    @Param('planId', SubjectIdPipe) planId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return withEtag(reply, await this.plans.change(planId, 'PauseFollowUpPlan', context, expectedVersionFromIfMatch(ifMatch)));
  }

  @Post('follow-up-plans/:planId/resume')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Resume a paused plan from its first occurrence due today or later, under its purpose (or the one given)' })
  async resume(
    @Param('planId', SubjectIdPipe) planId: string,
    @Body() body: ResumeFollowUpPlanDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return withEtag(reply, await this.plans.change(planId, 'ResumeFollowUpPlan', context, expectedVersionFromIfMatch(ifMatch), body.purposeId));
  }

  @Post('follow-up-plans/:planId/end')
  @HttpCode(200)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'End a plan for good (its open tasks stay)' })
  async end(
    @Param('planId', SubjectIdPipe) planId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: Reply,
  ) {
    return withEtag(reply, await this.plans.change(planId, 'EndFollowUpPlan', context, expectedVersionFromIfMatch(ifMatch)));
  }
}
