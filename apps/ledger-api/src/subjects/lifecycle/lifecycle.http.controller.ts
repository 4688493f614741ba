import { Body, Controller, Get, Headers, Param, Put, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { accessToCustomer } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../../http/if-match';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { ChangeLifecycleDto } from '../subject-commands.dto';
import { SubjectCommandsService } from '../subject-commands.service';
import { subjectMerged } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { ChangeLifecycleStage } from './change-lifecycle.handler';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects/:id/lifecycle')
@UseInterceptors(IdempotencyInterceptor)
export class LifecycleHttpController {
  constructor(
    private readonly commands: CommandBus,
    private readonly subjects: SubjectCommandsService,
  ) {}

  @Put()
  @Roles(...FILE_ROLES)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag (version) you read; 412 if it changed' })
  @ApiOperation({ summary: 'Move a customer to a lifecycle stage (prospect, active, dormant, churned); 409 lifecycle-transition-not-allowed for a move the stages do not allow' })
  async change(
    @Param('id', SubjectIdPipe) id: string,
    @Body() body: ChangeLifecycleDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result: { version: number } = await this.commands.execute(new ChangeLifecycleStage(id, body.stage, body.purposeId, expectedVersionFromIfMatch(ifMatch), context));
    void reply.header('etag', etag(result.version));
    return result;
  }

  @Get()
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ApiOperation({ summary: 'A customer’s lifecycle stage and when it last changed (no personal data)' })
  async get(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, version } = await this.subjects.load(id);
    if (state.status === 'absent') throw new DomainError('subject-not-found', 'no such subject');
    if (state.status === 'erased') throw new DomainError('subject-erased', 'this subject’s data was erased', { subjectId: id });
    if (state.status === 'merged') throw subjectMerged(id, state.mergedInto);
    // scoped roles see only the customers they reach (403 outside-assignment otherwise)
    accessToCustomer(context.actor, id, state.assignment, context.breakGlass);
    void reply.header('etag', etag(version));
    return { subjectId: id, lifecycle: state.lifecycle, version };
  }
}
