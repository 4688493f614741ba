import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Inject } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Presets, SingleBar } from 'cli-progress';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import type { Logger } from 'pino';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_CONFIG, LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
// the API's own import jobs, run in this process: one registration path (.dependency-cruiser.cjs allows this one entry)
import {
  fileSha256,
  formatOfName,
  ImportJobsService,
  ImportJobsStore,
  ImportKind,
  ImportReports,
  ImportRunner,
  ImportRuntimeModule,
} from '../../../ledger-api/src/imports/import-runtime';
import { cliMetadata } from '../cli-metadata';
import { EXIT_USAGE } from '../program-name';

export interface ImportCustomersOptions {
  dryRun?: boolean;
  purpose: string;
  noticeVersion?: string;
  channel?: string;
  mapping?: string;
  onDuplicate?: string;
  encoding?: string;
  format?: string;
  actor?: string;
  progress?: boolean;
}

/**
 * `ledger import customers|checkups|orders|services <file>`: the import job of POST /v1/imports, run here against the
 * database, with a progress bar on stderr and the report (counts and refused rows: row, column,
 * code, message) as JSON on stdout. Killed, it is simply run again: the job of the same file's
 * content is found and resumed, and no row is registered twice. A file imported completely is not
 * imported again (its report is printed).
 */
abstract class ImportFileCommand extends CommandRunner {
  protected abstract readonly kind: ImportKind;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    super();
  }

  async run([file]: string[], options: ImportCustomersOptions): Promise<void> {
    const path = resolve(file);
    const format = (options.format as 'csv' | 'xlsx' | undefined) ?? formatOfName(path);
    if (!existsSync(path) || !format) {
      process.stderr.write(`ledger: ${existsSync(path) ? 'give --format xlsx or csv: the file name has neither extension' : 'no such file'}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    const runtime = await NestFactory.createApplicationContext(ImportRuntimeModule.forRoot(this.config, this.logger, this.clock), { logger: false });
    try {
      const jobs = runtime.get(ImportJobsService);
      const store = runtime.get(ImportJobsStore);
      const reports = runtime.get(ImportReports);
      const mapping = options.mapping === undefined ? undefined : options.mapping.startsWith('@') ? await readFile(options.mapping.slice(1), 'utf8') : options.mapping;
      const dto = jobs.validate({
        kind: this.kind,
        purposeId: options.purpose,
        ...(options.noticeVersion === undefined ? {} : { noticeVersion: options.noticeVersion }),
        ...(options.channel === undefined ? {} : { channel: options.channel }),
        ...(mapping === undefined ? {} : { mapping }),
        ...(options.onDuplicate === undefined ? {} : { onDuplicate: options.onDuplicate }),
        ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
        dryRun: options.dryRun === true,
      });
      const sha256 = await fileSha256(path);
      const previous = dto.dryRun ? undefined : await store.latestForFile(sha256, 'cli', this.kind);
      let jobId: string;
      if (previous?.state === 'completed') {
        process.stderr.write(`ledger: this file was imported completely by job ${previous.jobId}; its report follows\n`);
        jobId = previous.jobId;
      } else if (previous && (previous.state === 'running' || previous.state === 'queued')) {
        process.stderr.write(`ledger: resuming job ${previous.jobId} of this file\n`);
        jobId = previous.jobId;
      } else {
        const metadata = cliMetadata(options.actor);
        // the CLI acts with the file roles' full alias; recorded as the operating-system user (or --actor)
        jobId = await jobs.create({ dto, format, path, runner: 'cli', actor: { id: metadata.actor, roles: ['staff'] }, sha256 });
      }
      const bar = new SingleBar(
        {
          format: 'import [{bar}] {percentage}% | {rows} rows: {imported} imported, {refused} refused, {duplicates} duplicates | ETA {eta_formatted}',
          stream: process.stderr,
          etaBuffer: 200,
        },
        Presets.shades_classic,
      );
      let barStarted = false;
      const ran = await runtime.get(ImportRunner).run(jobId, {
        onProgress: ({ counts, bytesRead, fileBytes }) => {
          if (options.progress === false) return;
          if (!barStarted) {
            bar.start(fileBytes, 0, { rows: 0, imported: 0, refused: 0, duplicates: 0 });
            barStarted = true;
          }
          bar.update(bytesRead, { rows: counts.rows, imported: counts.imported, refused: counts.refused, duplicates: counts.duplicates });
        },
      });
      if (barStarted) bar.stop();
      if (!ran) {
        process.stderr.write(`ledger: job ${jobId} is being run by another process\n`);
        process.exitCode = 1;
        return;
      }
      const status = await reports.status(jobId);
      const errors: unknown[] = [];
      for (let after = 0; ;) {
        const page = await reports.page(jobId, 'refused', { after: String(after), limit: '1000' });
        errors.push(...page.items);
        if (page.nextAfter === null) break;
        after = page.nextAfter;
      }
      process.stdout.write(`${JSON.stringify({ ...status, errors })}\n`);
      if (status.state !== 'completed') process.exitCode = 1;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      process.stderr.write(`ledger: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
    } finally {
      await runtime.close();
    }
  }

  @Option({ flags: '--dry-run', description: 'check and report every row; write nothing to the ledger' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--purpose <purposeId>', description: 'the purpose every row is registered under', required: true })
  parsePurpose(value: string): string {
    return value;
  }

  @Option({ flags: '--notice-version <version>', description: 'the notice the customers were given (customers: required)' })
  parseNotice(value: string): string {
    return value;
  }

  @Option({ flags: '--channel <channel>', description: 'the registrations’ channel (default: import)' })
  parseChannel(value: string): string {
    return value;
  }

  @Option({ flags: '--mapping <json|@file>', description: 'JSON object: the file’s header → an import column, or null to ignore it' })
  parseMapping(value: string): string {
    return value;
  }

  @Option({ flags: '--on-duplicate <policy>', description: 'skip (default), update (a correction) or create-and-flag' })
  parseOnDuplicate(value: string): string {
    return value;
  }

  @Option({ flags: '--encoding <encoding>', description: 'a CSV’s encoding: utf-8, gb18030 or gbk (default: detected)' })
  parseEncoding(value: string): string {
    return value;
  }

  @Option({ flags: '--format <format>', description: 'xlsx or csv (default: from the extension)' })
  parseFormat(value: string): string {
    return value;
  }

  @Option({ flags: '--actor <name>', description: 'record the registrations under this name instead of the operating-system user' })
  parseActor(value: string): string {
    return value;
  }

  @Option({ flags: '--no-progress', description: 'no progress bar' })
  parseNoProgress(): boolean {
    return false;
  }
}

@SubCommand({ name: 'customers', arguments: '<file>', description: 'import customers from an .xlsx or .csv file (UTF-8, UTF-8 with BOM, GB18030/GBK)' })
export class ImportCustomersCommand extends ImportFileCommand {
  protected readonly kind = 'customers';
}

@SubCommand({ name: 'checkups', arguments: '<file>', description: 'import check-up results of existing customers (客户编号 or 证件号码; one indicator a row)' })
export class ImportCheckupsCommand extends ImportFileCommand {
  protected readonly kind = 'checkups';
}

@SubCommand({ name: 'orders', arguments: '<file>', description: 'import orders of existing customers (客户编号 or 证件号码; one item a row)' })
export class ImportOrdersCommand extends ImportFileCommand {
  protected readonly kind = 'orders';
}

@SubCommand({ name: 'services', arguments: '<file>', description: 'import service records of existing customers (客户编号 or 证件号码)' })
export class ImportServicesCommand extends ImportFileCommand {
  protected readonly kind = 'services';
}

@Command({
  name: 'import',
  description: 'batch imports (customers; their check-ups, orders, service records)',
  subCommands: [ImportCustomersCommand, ImportCheckupsCommand, ImportOrdersCommand, ImportServicesCommand],
})
export class ImportCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

export const IMPORT_COMMANDS = [ImportCommand, ImportCustomersCommand, ImportCheckupsCommand, ImportOrdersCommand, ImportServicesCommand];
