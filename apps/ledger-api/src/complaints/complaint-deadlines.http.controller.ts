import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { ComplaintDeadlinesDto } from './complaints.dto';
import { ComplaintDeadlinesService } from './complaint-deadlines.service';

@ApiTags('complaints')
@ApiBearerAuth()
@Controller('v1/complaint-deadlines')
export class ComplaintDeadlinesHttpController {
  constructor(private readonly deadlines: ComplaintDeadlinesService) {}

  @Get()
  @Roles('admin', 'manager', 'compliance_officer', ...FILE_ROLES)
  @ApiOperation({ summary: 'Hours to reply and days to resolve a complaint, per severity' })
  get() {
    return this.deadlines.current();
  }

  @Put()
  @Roles('admin')
  @ApiOperation({ summary: 'Set the complaint deadlines (one event, none when unchanged); complaints received or reopened from now on take them' })
  set(@Body() body: ComplaintDeadlinesDto, @Ctx() context: RequestContext) {
    return this.deadlines.set({ replyHours: { ...body.replyHours }, resolutionDays: { ...body.resolutionDays } }, context);
  }
}
