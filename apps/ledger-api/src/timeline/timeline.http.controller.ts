import { Controller, Get, Headers, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { ReadsProjections } from '../http/min-position';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { TimelineQueryDto } from './timeline.dto';
import { TimelineService } from './timeline.service';
import { TIMELINE_SOURCES } from './timeline-sources';

@ApiTags('timeline')
@ApiBearerAuth()
@Controller('v1/subjects/:id/timeline')
export class TimelineHttpController {
  constructor(private readonly timeline: TimelineService) {}

  @Get()
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections(...new Set(TIMELINE_SOURCES.map((source) => source.projection)))
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' })
  @ApiOperation({
    summary:
      'A customer’s services, check-ups, follow-up tasks and orders by date, newest first, each with a short summary; kinds the caller may not read are left out; the read is recorded',
  })
  page(@Param('id', SubjectIdPipe) id: string, @Query() query: TimelineQueryDto, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return this.timeline.page(id, query, context, purpose);
  }
}
