import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { ProjectionStatusService } from '@pi-ledger/read-models/read-models.module';
import { ProjectionRebuildsService } from './projection-rebuilds.service';

@ApiTags('ops')
@ApiBearerAuth()
@Controller('v1/ops')
export class ProjectionsHttpController {
  constructor(
    private readonly status: ProjectionStatusService,
    private readonly rebuilds: ProjectionRebuildsService,
  ) {}

  @Get('projections')
  @Roles('ops')
  @ApiOperation({
    summary:
      'Every projection: version, generation, status, checkpoint, lag in events, last error, and the streams it quarantined (count, and the first 100: stream, first failing event, error code)',
  })
  projections() {
    return this.status.all();
  }

  @Post('projections/:name/rebuild')
  @HttpCode(202)
  @Roles('ops')
  @ApiOperation({ summary: 'Starts a zero-downtime rebuild of the projection in this API process (as `ledger projections rebuild`); poll its progress with GET' })
  rebuild(@Param('name') name: string) {
    return this.rebuilds.start(name);
  }

  @Get('projections/:name/rebuild')
  @Roles('ops')
  @ApiOperation({ summary: 'The progress of the last rebuild of the projection started in this API process: events done of total, events/s, ETA, state' })
  rebuildProgress(@Param('name') name: string) {
    return this.rebuilds.get(name);
  }
}
