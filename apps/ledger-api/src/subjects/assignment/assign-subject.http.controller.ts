import { Body, Controller, Get, Headers, Param, Put, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, ValidateIf } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { STAFF_ID } from '@pi-ledger/ledger-domain/departments/department.decider';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../../http/if-match';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { SubjectCommandsService } from '../subject-commands.service';
import { subjectMerged } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { AssignSubject } from './assign-subject.handler';

export class AssignSubjectDto {
  @ApiProperty({ description: 'An active department' }) @IsUUID() departmentId: string;
  @ApiPropertyOptional({ nullable: true, description: 'The health manager (staff account id) who looks after the customer; absent or null: none' })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @Matches(STAFF_ID)
  healthManagerId?: string | null;
}

/**
 * Who looks after a customer. Assigning is the front desk's job (and `staff`, the alias), or a
 * manager's or admin's: it names no personal data. Health managers and customer service do not
 * assign, or they could widen their own reach.
 */
const ASSIGNING_ROLES = ['front_desk', 'staff', 'manager', 'admin'] as const;

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects/:id/assignment')
@UseInterceptors(IdempotencyInterceptor)
export class AssignSubjectHttpController {
  constructor(
    private readonly commands: CommandBus,
    private readonly subjects: SubjectCommandsService,
  ) {}

  @Put()
  @Roles(...ASSIGNING_ROLES)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag (version) you read; 412 if it changed' })
  @ApiOperation({ summary: 'Assign a customer to a department and, optionally, a health manager (422 naming departmentId when it is unknown or deactivated)' })
  async assign(
    @Param('id', SubjectIdPipe) id: string,
    @Body() body: AssignSubjectDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result: { version: number } = await this.commands.execute(
      new AssignSubject(id, body.departmentId.toLowerCase(), body.healthManagerId ?? null, expectedVersionFromIfMatch(ifMatch), context),
    );
    void reply.header('etag', etag(result.version));
    return result;
  }

  @Get()
  @Roles(...ASSIGNING_ROLES, 'compliance_officer')
  @ApiOperation({ summary: 'Whom a customer is assigned to, with its version (no personal data)' })
  async get(@Param('id', SubjectIdPipe) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const { state, version } = await this.subjects.load(id);
    if (state.status === 'absent') throw new DomainError('subject-not-found', 'no such subject');
    if (state.status === 'erased') throw new DomainError('subject-erased', 'this subject’s data was erased', { subjectId: id });
    if (state.status === 'merged') throw subjectMerged(id, state.mergedInto);
    void reply.header('etag', etag(version));
    return { subjectId: id, assignment: state.assignment, version };
  }
}
