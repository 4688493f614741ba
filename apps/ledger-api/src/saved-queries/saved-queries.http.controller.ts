import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import type { SavedQueryErrorCode } from '@pi-ledger/ledger-domain/saved-queries/saved-query.errors';
import { SavedQueryQueries } from '@pi-ledger/read-models/projections/customer-query/saved-queries.projection';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { ReadsProjections } from '../http/min-position';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { purposeOfReading } from '../http/processing-purpose';
import { QueriedSubject, QuerySubjects } from '../subjects/query-subjects/query-subjects.query';
import { RunSavedQueryDto, SaveQueryDto } from './saved-queries.dto';
import { SavedQueriesService } from './saved-queries.service';

const ROLES = [...FILE_ROLES, 'manager', 'compliance_officer'] as const;

/** Combined queries saved for the caller's department (its token's `dept`); another department's are not found. */
@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/saved-queries')
@UseInterceptors(IdempotencyInterceptor)
export class SavedQueriesHttpController {
  constructor(
    private readonly saved: SavedQueriesService,
    private readonly queries: SavedQueryQueries,
    private readonly bus: QueryBus,
  ) {}

  @Post()
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Save a combined query for your department (checked as POST /v1/subjects/query checks it); recorded with the actor' })
  save(@Body() body: SaveQueryDto, @Ctx() context: RequestContext) {
    return this.saved.save(body, context);
  }

  @Get()
  @Roles(...ROLES)
  @ReadsProjections('saved_queries')
  @ApiOperation({ summary: 'The queries saved for your department, newest first' })
  async list(@Ctx() context: RequestContext) {
    return { items: context.actor.departmentId ? await this.queries.ofDepartment(context.actor.departmentId) : [] };
  }

  @Get(':id')
  @Roles(...ROLES)
  @ReadsProjections('saved_queries')
  @ApiOperation({ summary: 'One saved query of your department' })
  async get(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext) {
    return this.ofDepartment(id, context);
  }

  /**
   * Runs a saved query as POST /v1/subjects/query runs a body: under the caller's own roles, purpose
   * and reach (the author's are not lent), masked, each customer returned recorded in the access log.
   */
  @Post(':id/run')
  @HttpCode(200)
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ReadsProjections('saved_queries', 'subject_profile', 'customer_query', 'customer_numbers')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'The purpose, unless the body names it (purposeId)' })
  @ApiOperation({ summary: 'Run a saved query of your department under your own roles, purpose and reach; a page as POST /v1/subjects/query answers' })
  async run(
    @Param('id', SubjectIdPipe) id: string,
    @Body() body: RunSavedQueryDto,
    @Headers('x-processing-purpose') header: string | undefined,
    @Ctx() context: RequestContext,
  ): Promise<{ queryId: string; name: string; items: QueriedSubject[]; nextCursor: string | null }> {
    const purposeId = purposeOfReading(context, undefined, body.purposeId ?? header)!;
    const saved = await this.ofDepartment(id, context);
    const page = await this.bus.execute<QuerySubjects, { items: QueriedSubject[]; nextCursor: string | null }>(
      new QuerySubjects(purposeId, { ...saved.definition, purposeId, limit: body.limit, cursor: body.cursor }, context),
    );
    return { queryId: saved.queryId, name: saved.name, ...page };
  }

  private async ofDepartment(id: string, context: RequestContext) {
    const found = context.actor.departmentId ? await this.queries.find(id, context.actor.departmentId) : undefined;
    if (!found) throw new DomainError<SavedQueryErrorCode>('saved-query-not-found', `no saved query ${id} in your department`, { queryId: id });
    return found;
  }

  @Delete(':id')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Delete a saved query: its author or a manager of the department' })
  delete(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext) {
    return this.saved.delete(id, context);
  }
}
