import { Module } from '@nestjs/common';
import { HealthController } from '@pi-ledger/platform/health/health.controller';
import { MetricsController } from '@pi-ledger/platform/metrics/metrics.controller';
import { ProjectionsHttpController } from './projections.http.controller';

/** For ops: health, metrics, and the projections' status and controls. */
@Module({
  controllers: [HealthController, MetricsController, ProjectionsHttpController],
})
export class OpsModule {}
