import { Module } from '@nestjs/common';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { HealthController } from '@pi-ledger/platform/health/health.controller';
import { metricsController } from '@pi-ledger/platform/metrics/metrics.controller';
import { ProjectionsHttpController } from './projections.http.controller';

/** For ops: health (public), metrics (ops role), and the projections' status and controls. */
@Module({
  controllers: [HealthController, metricsController(Roles('ops')), ProjectionsHttpController],
})
export class OpsModule {}
