import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateIf, validateSync } from 'class-validator';
import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { v7 as uuidv7 } from 'uuid';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { flatten } from '@pi-ledger/platform/http/validation.pipe';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { noticeOf, purposeOf } from '@pi-ledger/ledger-domain/registry/registry.decider';
import type { SubjectErrorCode } from '@pi-ledger/ledger-domain/subject/subject.errors';
import { RegistryService } from '../registry/registry.service';
import { ColumnMapping, IMPORT_COLUMNS, ImportColumn, layoutOf } from './import-columns';
import { CUSTOMER_KEYS, IMPORT_KINDS, ImportKind, isRecordKind, RECORD_KIND_SPECS } from './import-record-kinds';
import { CSV_ENCODINGS, CsvEncoding, detectFileEncoding, IMPORT_FORMATS, ImportFormat, readRows } from './import-reader';
import { DUPLICATE_POLICIES, DuplicatePolicy, ImportActor, ImportJobsStore, ImportOptions } from './import-jobs.store';

/** An import job's settings, as the multipart form's fields or the CLI's options give them. */
export class ImportOptionsDto {
  @ApiPropertyOptional({ enum: IMPORT_KINDS, description: 'What the file holds: customers (default), or check-up results, orders or service records of existing customers' })
  @IsOptional()
  @IsIn([...IMPORT_KINDS])
  kind?: ImportKind;
  @ApiProperty({ example: 'health-management', description: 'The purpose every row is registered (or its record written) under' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/)
  purposeId: string;
  @ApiPropertyOptional({ example: 'v1', description: 'The notice the customers were given: required for customers' })
  @ValidateIf((dto: ImportOptionsDto) => (dto.kind ?? 'customers') === 'customers')
  @IsString()
  @Length(1, 40)
  noticeVersion?: string;
  @ApiPropertyOptional({ example: 'import', description: 'The registrations’ channel; default `import`' }) @IsOptional() @IsString() @Length(1, 50) channel?: string;
  @ApiPropertyOptional({ enum: DUPLICATE_POLICIES, description: 'A row matching a customer or an earlier row: default `skip`' })
  @IsOptional()
  @IsIn([...DUPLICATE_POLICIES])
  onDuplicate?: DuplicatePolicy;
  @ApiPropertyOptional({ description: 'JSON: the file’s header → an import column (key, Chinese header or alias), or null to ignore it' })
  @IsOptional()
  @Transform(({ value }) => parseJson(value))
  @IsObject({ message: 'mapping must be a JSON object of header → column' })
  mapping?: ColumnMapping;
  @ApiPropertyOptional({ enum: CSV_ENCODINGS, description: 'A CSV’s encoding; default detected (BOM, else strict UTF-8, else GB18030)' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase().replace(/^utf8$/, 'utf-8') : value))
  @IsIn([...CSV_ENCODINGS])
  encoding?: CsvEncoding;
  @ApiPropertyOptional({ description: '`true`: every row checked and reported, nothing written to the ledger' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' || value === true ? true : value === 'false' || value === false ? false : value))
  @IsIn([true, false], { message: 'dryRun must be true or false' })
  dryRun?: boolean;
  @ApiPropertyOptional({ enum: IMPORT_FORMATS, description: 'Default: from the file name’s extension' }) @IsOptional() @IsIn([...IMPORT_FORMATS]) format?: ImportFormat;
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The format a file name's extension names. */
export function formatOfName(name: string | undefined): ImportFormat | undefined {
  const extension = name?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  return extension === 'csv' || extension === 'xlsx' ? extension : undefined;
}

/** Creates import jobs: the settings and the file's header checked first, so a job that cannot run is a 400, not a failed job. */
@Injectable()
export class ImportJobsService {
  constructor(
    private readonly store: ImportJobsStore,
    private readonly registry: RegistryService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {}

  validate(fields: Record<string, unknown>): ImportOptionsDto {
    const dto = plainToInstance(ImportOptionsDto, fields);
    const problems = flatten(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }));
    if (problems.length > 0) throw new InvalidInput(problems);
    return dto;
  }

  async create(input: { jobId?: string; dto: ImportOptionsDto; format: ImportFormat; path: string; runner: 'api' | 'cli'; actor: ImportActor; sha256?: string }): Promise<string> {
    const { dto } = input;
    const kind = dto.kind ?? 'customers';
    const registry = await this.registry.current();
    if (!purposeOf(registry, dto.purposeId)) throw new DomainError<SubjectErrorCode>('unknown-purpose', `unknown purpose ${dto.purposeId}`, { purposeId: dto.purposeId });
    if (kind === 'customers' && !noticeOf(registry, dto.noticeVersion!))
      throw new DomainError<SubjectErrorCode>('unknown-notice', `unknown notice version ${dto.noticeVersion}`, { noticeVersion: dto.noticeVersion });
    const options: ImportOptions = {
      purposeId: dto.purposeId,
      noticeVersion: kind === 'customers' ? dto.noticeVersion! : '',
      channel: dto.channel ?? 'import',
      onDuplicate: dto.onDuplicate ?? 'skip',
      mapping: dto.mapping ?? {},
      ...(dto.encoding ? { encoding: dto.encoding === 'gbk' ? 'gb18030' : dto.encoding } : {}),
    };
    await this.checkHeader(input.path, input.format, options, kind);
    const jobId = input.jobId ?? uuidv7();
    await this.store.create({
      jobId,
      kind,
      runner: input.runner,
      dryRun: dto.dryRun ?? false,
      format: input.format,
      options,
      actor: input.actor,
      filePath: input.path,
      fileSha256: input.sha256 ?? (await fileSha256(input.path)),
      fileBytes: (await stat(input.path)).size,
      createdAt: this.clock().toISOString(),
    });
    return jobId;
  }

  /** The header row must exist, name at least one import column (a record's customer's, for records), and fit the mapping. */
  private async checkHeader(path: string, format: ImportFormat, options: ImportOptions, kind: ImportKind): Promise<void> {
    const encoding = format === 'csv' ? (options.encoding ?? (await detectFileEncoding(path))) : 'utf-8';
    let header: string[] | undefined;
    try {
      for await (const row of readRows(path, format, encoding, () => undefined)) {
        header = row.values.map((value) => (value === null || value === undefined ? '' : String(value)));
        break;
      }
    } catch {
      throw new InvalidInput([{ path: 'file', message: `is not a readable ${format} file` }]);
    }
    if (!header) throw new InvalidInput([{ path: 'file', message: 'has no header row' }]);
    const columns: readonly ImportColumn[] = isRecordKind(kind) ? RECORD_KIND_SPECS[kind].columns : IMPORT_COLUMNS;
    const layout = layoutOf<string>(header, options.mapping, columns);
    if (layout.problems.length > 0) throw new InvalidInput(layout.problems);
    if (layout.columns.size === 0)
      throw new InvalidInput([{ path: 'file', message: `names no ${kind} import column in its header row (see GET /v1/imports/template?kind=${kind})` }]);
    if (isRecordKind(kind) && !CUSTOMER_KEYS.some((key) => layout.headers.has(key))) {
      throw new InvalidInput([{ path: 'file', message: 'names no customer column: 客户编号 (customer number) or 证件号码 (ID number)' }]);
    }
  }
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
