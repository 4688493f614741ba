import { Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { Ctx } from '../http/ctx.decorator';
import { ReadsProjections } from '../http/min-position';
import { purposeOfReading } from '../http/processing-purpose';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { RequestContext } from '../application/request-context';
import { ListDuplicatesDto } from './duplicates.dto';
import { DuplicatesService } from './duplicates.service';

@ApiTags('duplicates')
@ApiBearerAuth()
@Controller('v1/duplicates')
export class DuplicatesHttpController {
  constructor(private readonly duplicates: DuplicatesService) {}

  @Get()
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ReadsProjections('duplicate_candidates', 'subject_profile', 'customer_numbers')
  @ApiHeader({ name: 'X-Processing-Purpose', required: true })
  @ApiOperation({ summary: 'Candidate pairs of customers who may be one person, best first: reasons, score, masked summaries; each customer shown recorded' })
  list(@Query() filters: ListDuplicatesDto, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    return this.duplicates.list(purposeOfReading(context, undefined, purpose)!, filters, context);
  }

  @Post(':a/:b/dismiss')
  @HttpCode(200)
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ReadsProjections('duplicate_candidates', 'subject_profile')
  @ApiOperation({ summary: 'Dismiss a pair as two different people: never proposed again (recorded with the actor)' })
  dismiss(@Param('a', SubjectIdPipe) a: string, @Param('b', SubjectIdPipe) b: string, @Ctx() context: RequestContext) {
    return this.duplicates.dismiss(a, b, context);
  }
}
