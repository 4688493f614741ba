import { Module } from '@nestjs/common';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { HealthController } from '@pi-ledger/platform/health/health.controller';
import { metricsController } from '@pi-ledger/platform/metrics/metrics.controller';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { ProjectionsHttpController } from './projections.http.controller';
import { ProjectionRebuildsService, type RebuildErrorCode } from './projection-rebuilds.service';

registerProblemCodes({
  'projection-not-found': { status: 404, title: 'Projection not found' },
  'rebuild-running': { status: 409, title: 'A rebuild of this projection is running' },
  'rebuild-not-found': { status: 404, title: 'No rebuild of this projection was started here' },
} satisfies Record<RebuildErrorCode, unknown>);

/** For ops: health (public), metrics (ops role), and the projections' status and controls (rebuild with progress). */
@Module({
  controllers: [HealthController, metricsController(Roles('ops')), ProjectionsHttpController],
  providers: [ProjectionRebuildsService],
})
export class OpsModule {}
