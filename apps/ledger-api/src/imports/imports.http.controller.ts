import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { LEDGER_CONFIG } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { SubjectIdPipe } from '../http/subject-id.pipe';
import { formatOfName, ImportJobsService } from './import-jobs.service';
import { ImportScheduler } from './import-scheduler';
import { ImportReports } from './import-reports';
import { templateCsv, templateXlsx } from './import-template';
import { IMPORT_KINDS, ImportKind } from './import-record-kinds';

/** The most a spreadsheet upload may weigh. */
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
const READ_ROLES = [...FILE_ROLES, 'compliance_officer'] as const;

@ApiTags('imports')
@ApiBearerAuth()
@Controller('v1/imports')
export class ImportsHttpController {
  constructor(
    private readonly jobs: ImportJobsService,
    private readonly reports: ImportReports,
    private readonly scheduler: ImportScheduler,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Get('template')
  @Roles(...READ_ROLES)
  @ApiQuery({ name: 'format', enum: ['xlsx', 'csv'], required: false })
  @ApiQuery({ name: 'kind', enum: IMPORT_KINDS, required: false })
  @ApiOperation({
    summary:
      'An import template: Chinese headers (customers: 姓名, 性别, 出生日期, 证件类型, 证件号码, 手机号 …; check-ups, orders, services: 客户编号 or 证件号码 and the record’s columns); English aliases are accepted too',
  })
  async template(@Query('format') format: string | undefined, @Query('kind') kind: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    if (format !== undefined && format !== 'xlsx' && format !== 'csv') throw new InvalidInput([{ path: 'query.format', message: 'must be xlsx or csv' }]);
    if (kind !== undefined && !(IMPORT_KINDS as readonly string[]).includes(kind))
      throw new InvalidInput([{ path: 'query.kind', message: `must be one of ${IMPORT_KINDS.join(', ')}` }]);
    const csv = format === 'csv';
    const of = (kind ?? 'customers') as ImportKind;
    void reply
      .type(csv ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${of}-import-template.${csv ? 'csv' : 'xlsx'}"`);
    return csv ? templateCsv(of) : await templateXlsx(of);
  }

  @Post()
  @HttpCode(202)
  @Roles(...FILE_ROLES)
  @ApiConsumes('multipart/form-data')
  @ApiOperation({
    summary:
      'Start an import from an .xlsx or .csv file (multipart: `file`, then kind (customers, checkups, orders, services), purposeId, noticeVersion, channel, onDuplicate, mapping, encoding, dryRun); runs in the background',
  })
  async create(@Req() request: FastifyRequest, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!request.isMultipart()) throw new InvalidInput([{ path: 'body', message: 'must be multipart/form-data with a file' }]);
    const jobId = uuidv7();
    const directory = join(this.config.dataDir, 'imports');
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const fields: Record<string, unknown> = {};
    let upload: { path: string; name?: string; sha256: string } | undefined;
    try {
      for await (const part of request.parts({ limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 64 * 1024 } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || upload) throw new InvalidInput([{ path: part.fieldname, message: 'send one file, in the field `file`' }]);
          // streamed to the data dir as it arrives, never held in memory; deleted when the job ends
          const path = join(directory, `${jobId}.upload`);
          const hash = createHash('sha256');
          await pipeline(
            part.file,
            new Transform({
              transform(chunk: Buffer, _encoding, done) {
                hash.update(chunk);
                done(null, chunk);
              },
            }),
            createWriteStream(path, { mode: 0o600 }),
          );
          if (part.file.truncated) throw new InvalidInput([{ path: 'file', message: `must be at most ${MAX_UPLOAD_BYTES} bytes` }]);
          upload = { path, name: part.filename, sha256: hash.digest('hex') };
        } else {
          fields[part.fieldname] = part.value;
        }
      }
      if (!upload) throw new InvalidInput([{ path: 'file', message: 'is required' }]);
      const dto = this.jobs.validate(fields);
      const format = dto.format ?? formatOfName(upload.name);
      if (!format) throw new InvalidInput([{ path: 'format', message: 'give xlsx or csv: the file name has neither extension' }]);
      await this.jobs.create({ jobId, dto, format, path: upload.path, runner: 'api', actor: actorOf(context), sha256: upload.sha256 });
    } catch (error) {
      rmSync(join(directory, `${jobId}.upload`), { force: true });
      throw error;
    }
    this.scheduler.kick();
    void reply.header('location', `/v1/imports/${jobId}`);
    return this.reports.status(jobId);
  }

  @Get(':id')
  @Roles(...READ_ROLES)
  @ApiOperation({ summary: 'An import job: state, rows read, imported, refused, duplicates, rate and ETA' })
  async status(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext) {
    await this.reports.assertVisible(id, context);
    return this.reports.status(id);
  }

  @Get(':id/errors')
  @Roles(...READ_ROLES)
  @ApiQuery({ name: 'format', enum: ['json', 'csv'], required: false })
  @ApiOperation({ summary: 'The refused rows: row number, column, code, message (never the values); ?format=csv downloads them all' })
  async errors(@Param('id', SubjectIdPipe) id: string, @Query() query: Record<string, string>, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.reports.assertVisible(id, context);
    if (query.format === 'csv') {
      void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${id}-errors.csv"`);
      return Readable.from(this.reports.errorsCsv(id));
    }
    return this.reports.page(id, 'refused', query);
  }

  @Get(':id/duplicates')
  @Roles(...READ_ROLES)
  @ApiOperation({ summary: 'The rows that matched a customer or an earlier row: the match’s customer id and number and the reasons, and what the policy did' })
  async duplicates(@Param('id', SubjectIdPipe) id: string, @Query() query: Record<string, string>, @Ctx() context: RequestContext) {
    await this.reports.assertVisible(id, context);
    return this.reports.page(id, 'duplicates', query);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Cancel a queued or running import: it stops between rows; the rows done stay done' })
  async cancel(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext) {
    await this.reports.assertVisible(id, context);
    const job = await this.reports.requestCancel(id);
    if (!job) throw new DomainError('import-finished', 'the import job has ended', { jobId: id });
    return this.reports.status(id);
  }
}

function actorOf(context: RequestContext) {
  const { id, roles, departmentId } = context.actor;
  return { id, roles: [...roles], ...(departmentId ? { departmentId } : {}) };
}
