import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { LookupMonitor } from '../../application/lookup-monitor';
import { instantParam } from '../../http/instant-param';

@ApiTags('compliance')
@ApiBearerAuth()
@Controller('v1/compliance/lookup-alerts')
export class LookupAlertsHttpController {
  constructor(private readonly monitor: LookupMonitor) {}

  @Get()
  @Roles('compliance_officer', 'auditor')
  @ApiQuery({ name: 'from', required: false, description: 'only alerts raised at or after this instant (ISO 8601 with a zone)' })
  @ApiOperation({ summary: 'Bulk personal-data look-up alerts: which account looked up how many customers in which hour, newest first' })
  async list(@Query('from') from?: string) {
    return { items: await this.monitor.alertsSince(from === undefined ? undefined : instantParam(from, 'query.from')) };
  }
}
