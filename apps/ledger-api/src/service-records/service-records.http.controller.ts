import { Body, Controller, Get, Headers, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { ReadsProjections } from '../http/min-position';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { ListServicesDto, RecordServiceDto } from './service-records.dto';
import { ServiceRecordsService } from './service-records.service';

@ApiTags('service-records')
@ApiBearerAuth()
@Controller('v1/subjects/:id/service-records')
export class ServiceRecordsHttpController {
  constructor(private readonly services: ServiceRecordsService) {}

  @Post()
  @UseInterceptors(IdempotencyInterceptor)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Record a service given to a customer (服务记录): date, type, staff member, content, outcome; sealed under the customer’s service_interactions key' })
  record(@Param('id', SubjectIdPipe) id: string, @Body() body: RecordServiceDto, @Ctx() context: RequestContext) {
    return this.services.record(id, body, context);
  }

  @Get()
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'data_subject')
  @ReadsProjections('service_records')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required but for the subject’s own token' })
  @ApiOperation({ summary: 'A customer’s services, newest first; the read is recorded' })
  async list(
    @Param('id', SubjectIdPipe) id: string,
    @Query() query: ListServicesDto,
    @Headers('x-processing-purpose') purpose: string | undefined,
    @Ctx() context: RequestContext,
  ) {
    return { items: await this.services.list(id, query.serviceType, context, purpose) };
  }
}
