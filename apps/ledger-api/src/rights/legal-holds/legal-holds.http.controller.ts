import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { ListLegalHoldsDto, PlaceLegalHoldDto } from './legal-holds.dto';
import { LegalHoldsService } from './legal-holds.service';

@ApiTags('legal holds')
@Controller('v1/legal-holds')
@UseInterceptors(IdempotencyInterceptor)
export class LegalHoldsHttpController {
  constructor(private readonly holds: LegalHoldsService) {}

  @Post()
  @Roles('compliance_officer', 'admin')
  @ApiOperation({ summary: 'Place a legal hold: the categories survive erasure, restricted to storage, until the hold ends (PIPL Art. 47)' })
  place(@Body() body: PlaceLegalHoldDto, @Ctx() context: RequestContext) {
    return this.holds.place({ ...body, subjectId: body.subjectId?.toLowerCase() }, context);
  }

  @Get()
  @Roles('compliance_officer', 'admin', 'auditor')
  @ApiOperation({ summary: 'Legal holds, newest first; with subjectId, those that apply to that subject' })
  async list(@Query() query: ListLegalHoldsDto) {
    return { items: await this.holds.list(query.subjectId?.toLowerCase()) };
  }

  @Delete(':holdId')
  @Roles('compliance_officer', 'admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Release a legal hold (releasing twice changes nothing)' })
  release(@Param('holdId', SubjectIdPipe) holdId: string, @Ctx() context: RequestContext) {
    return this.holds.release(holdId, context);
  }
}
