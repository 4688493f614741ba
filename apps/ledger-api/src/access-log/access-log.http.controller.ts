import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { assertMaySeeSubject, SubjectScopeError } from '@pi-ledger/access-control/subject-scope';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { AccessLogQueries, InvalidCursorError } from '@pi-ledger/read-models/projections/access-log/access-log.queries';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { ReadsProjections } from '../http/min-position';
import { ACCESS_LOG_DEFAULT_LIMIT, AccessLogQueryDto } from './access-log.dto';
import { instantParam } from '../http/instant-param';

/** Who read whose PI, when, for which purpose and which categories (never the values). */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/access')
export class AccessLogHttpController {
  constructor(private readonly log: AccessLogQueries) {}

  @Get()
  @Roles('compliance_officer', 'auditor', 'data_subject')
  @ReadsProjections('access_log')
  @ApiOperation({
    summary: 'The access log, newest first: a data subject sees the reads of its own data; compliance lists one staff member’s reads over a period (?actor=&from=&to=)',
  })
  async list(@Query() query: AccessLogQueryDto, @Ctx() context: RequestContext) {
    const subjectId = query.subjectId?.toLowerCase() ?? (context.actor.roles.includes('data_subject') ? context.actor.subjectId : undefined);
    if (context.actor.roles.includes('data_subject')) {
      if (subjectId === undefined) throw new SubjectScopeError();
      assertMaySeeSubject(context.actor, subjectId);
    }
    try {
      return await this.log.list({
        subjectId,
        actor: query.actor,
        from: query.from === undefined ? undefined : instantParam(query.from, 'query.from'),
        to: query.to === undefined ? undefined : instantParam(query.to, 'query.to'),
        breakGlass: query.breakGlass === 'true',
        exportId: query.exportId?.toLowerCase(),
        limit: query.limit ?? ACCESS_LOG_DEFAULT_LIMIT,
        cursor: query.cursor,
      });
    } catch (error) {
      if (error instanceof InvalidCursorError)
        throw new ProblemException(400, 'validation-failed', 'The request is invalid', error.message, [{ path: 'query.cursor', message: 'invalid cursor' }]);
      throw error;
    }
  }
}
