import { Controller, Get, Header, Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { LedgerMetrics } from './ledger-metrics';

/**
 * The Prometheus endpoint, `GET /metrics`, closed by `access` (the app passes `Roles('ops')`:
 * route names, counts and lags tell an outsider how the ledger is used). Access control is a
 * higher lib than the platform, so the app that composes both hands the decorator in, and cannot
 * register the endpoint without saying who may read it.
 */
export function metricsController(access: ClassDecorator): Type<unknown> {
  @ApiExcludeController()
  @Controller('metrics')
  @access
  class MetricsController {
    constructor(readonly metrics: LedgerMetrics) {}

    @Get()
    @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
    async scrape(): Promise<string> {
      return this.metrics.registry.metrics();
    }
  }
  return MetricsController;
}
