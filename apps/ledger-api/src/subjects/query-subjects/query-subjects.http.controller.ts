import { Body, Controller, Get, Headers, HttpCode, Post } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { QUERY_FIELDS } from '@pi-ledger/read-models/projections/customer-query/customer-query.fields';
import { PersonalDataLookup } from '../../http/personal-data-lookup';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { ReadsProjections } from '../../http/min-position';
import { purposeOfReading } from '../../http/processing-purpose';
import { QUERY_LIMITS } from './query-parse';
import { QuerySubjectsDto } from './query-subjects.dto';
import { QuerySubjects } from './query-subjects.query';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects/query')
export class QuerySubjectsHttpController {
  constructor(private readonly queries: QueryBus) {}

  @Post()
  @HttpCode(200)
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ReadsProjections('subject_profile', 'customer_query', 'customer_numbers')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'The purpose, unless the body names it (purposeId)' })
  @ApiOperation({ summary: 'Combined query: and/or/not of conditions over the field catalogue, sorted, keyset-paged; masked summaries, each customer returned recorded' })
  async query(@Body() body: QuerySubjectsDto, @Headers('x-processing-purpose') header: string | undefined, @Ctx() context: RequestContext) {
    const purposeId = purposeOfReading(context, undefined, body.purposeId ?? header)!;
    return this.queries.execute(new QuerySubjects(purposeId, body, context));
  }

  /** The catalogue, so that a console can build its form: each field's category, operators, value type, allowed values and whether it sorts. */
  @Get('fields')
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ApiOperation({ summary: 'The fields of the combined query: category, operators, value type, sortable' })
  fields() {
    return {
      operators: ['eq', 'in', 'range', 'prefix', 'contains', 'exists'],
      limits: QUERY_LIMITS,
      fields: Object.entries(QUERY_FIELDS).map(([name, spec]) => ({ name, ...spec })),
    };
  }
}
