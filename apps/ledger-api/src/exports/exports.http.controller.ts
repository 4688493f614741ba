import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { PersonalDataLookup } from '../http/personal-data-lookup';
import { ReadsProjections } from '../http/min-position';
import { ExportRequestDto, ListExportsDto } from './exports.dto';
import { ExportsService } from './exports.service';

@ApiTags('exports')
@ApiBearerAuth()
@Controller('v1/exports')
export class ExportsHttpController {
  constructor(private readonly exports: ExportsService) {}

  @Post()
  @HttpCode(200)
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ReadsProjections('subject_profile', 'customer_numbers')
  @ApiProduces('text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiOperation({
    summary:
      'Export the customers a search’s conditions find, as CSV or XLSX, streamed: what the purpose and your roles allow, masked unless revealed; every customer recorded in the access log, the export in the ledger (GET /v1/exports), the file carrying its export id, exporter and time',
  })
  async create(@Body() request: ExportRequestDto, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const plan = await this.exports.plan(request, context);
    const file = this.exports.start(plan, context);
    void reply
      .type(file.contentType)
      .header('content-disposition', `attachment; filename="${file.fileName}"`)
      .header('x-export-id', file.exportId)
      .header('cache-control', 'no-store');
    return file.body;
  }

  @Get()
  @Roles('compliance_officer', 'admin', 'auditor')
  @ApiOperation({ summary: 'Past bulk exports, newest first, from the ledger: who, when, purpose, the filter without personal data, rows, the file’s SHA-256' })
  async list(@Query() query: ListExportsDto) {
    return this.exports.list(query);
  }
}
