import { Body, Controller, Get, Headers, Param, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { ReadsProjections } from '../http/min-position';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { RecordCheckupDto } from './checkups.dto';
import { CheckupsService } from './checkups.service';

const PURPOSE_HEADER = { name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' };

@ApiTags('checkups')
@ApiBearerAuth()
@Controller('v1/subjects/:id')
export class CheckupsHttpController {
  constructor(private readonly checkups: CheckupsService) {}

  @Post('checkups')
  @UseInterceptors(IdempotencyInterceptor)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Record a check-up visit (体检) with structured results and conclusions, sealed under the customer’s health_records key' })
  record(@Param('id', SubjectIdPipe) id: string, @Body() body: RecordCheckupDto, @Ctx() context: RequestContext) {
    return this.checkups.record(id, body, context);
  }

  @Get('checkups')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('checkup_visits')
  @ApiHeader(PURPOSE_HEADER)
  @ApiOperation({ summary: 'A customer’s check-up visits, newest first; the read is recorded' })
  async list(@Param('id', SubjectIdPipe) id: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return { items: await this.checkups.list(id, context, purpose) };
  }

  @Get('checkups/:visitId')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('checkup_visits')
  @ApiHeader(PURPOSE_HEADER)
  @ApiOperation({ summary: 'One check-up visit; the read is recorded' })
  get(
    @Param('id', SubjectIdPipe) id: string,
    @Param('visitId', SubjectIdPipe) visitId: string,
    @Headers('x-processing-purpose') purpose: string | undefined,
    @Ctx() context: RequestContext,
  ) {
    return this.checkups.get(id, visitId, context, purpose);
  }

  @Get('indicators/:code/trend')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('checkup_visits')
  @ApiHeader(PURPOSE_HEADER)
  @ApiOperation({ summary: 'One indicator’s values across the customer’s visits, oldest first; the read is recorded' })
  trend(@Param('id', SubjectIdPipe) id: string, @Param('code') code: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(code)) {
      throw new ProblemException(400, 'validation-failed', 'The request is invalid', 'code: not an indicator code', [{ path: 'code', message: 'must be an indicator code' }]);
    }
    return this.checkups.trend(id, code, context, purpose);
  }
}
