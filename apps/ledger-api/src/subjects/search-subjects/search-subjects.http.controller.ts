import { Body, Controller, Get, Headers, HttpCode, Post, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { PersonalDataLookup } from '../../http/personal-data-lookup';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { ReadsProjections } from '../../http/min-position';
import { purposeOfReading } from '../../http/processing-purpose';
import { SearchSubjectsDto } from './search-subjects.dto';
import { SearchSubjects } from './search-subjects.query';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects')
export class SearchSubjectsHttpController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ReadsProjections('subject_profile', 'customer_numbers')
  @ApiHeader({ name: 'X-Processing-Purpose', required: true })
  @ApiOperation({ summary: 'Find subjects by phone, ID number or email (exact), name (prefix) or status: masked summaries, each read recorded' })
  async search(@Query() filters: SearchSubjectsDto, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return this.find(filters, purpose, context, 'query');
  }

  /**
   * The same search with its terms in the body, never in the URL: phone numbers, ID numbers, emails
   * and names then stay out of browser histories, proxy logs and Referer headers. What the console
   * and any new client should use; the GET form stays for existing clients.
   */
  @Post('search')
  @HttpCode(200)
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ReadsProjections('subject_profile', 'customer_numbers')
  @ApiHeader({ name: 'X-Processing-Purpose', required: true })
  @ApiOperation({ summary: 'Find subjects with the terms in the body (phone, ID number, email, name, customer number, status, assignment): masked summaries, each read recorded' })
  async searchByBody(@Body() filters: SearchSubjectsDto, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return this.find(filters, purpose, context, 'body');
  }

  private find(filters: SearchSubjectsDto, purpose: string | undefined, context: RequestContext, source: 'query' | 'body') {
    const purposeId = purposeOfReading(context, undefined, purpose)!;
    return this.queries.execute(new SearchSubjects(purposeId, filters, context, source));
  }
}
