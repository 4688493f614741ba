import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { ProjectionStatusService } from '@pi-ledger/read-models/read-models.module';

@ApiTags('ops')
@ApiBearerAuth()
@Controller('v1/ops')
export class ProjectionsHttpController {
  constructor(private readonly status: ProjectionStatusService) {}

  @Get('projections')
  @Roles('ops')
  @ApiOperation({
    summary:
      'Every projection: version, generation, status, checkpoint, lag in events, last error, and the streams it quarantined (count, and the first 100: stream, first failing event, error code)',
  })
  projections() {
    return this.status.all();
  }
}
