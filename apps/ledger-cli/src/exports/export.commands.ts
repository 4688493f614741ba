import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Inject } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import type { Logger } from 'pino';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_CONFIG, LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
// the API's own bulk export, run in this process: one set of rules (.dependency-cruiser.cjs allows this one entry)
import { ExportRuntimeModule, ExportsService } from '../../../ledger-api/src/exports/export-runtime';
import { cliMetadata } from '../cli-metadata';
import { EXIT_USAGE } from '../program-name';

export interface ExportCustomersOptions {
  purpose: string;
  format: string;
  out: string;
  filter: string;
  categories?: string;
  columns?: string;
  reveal?: string;
  encoding?: string;
  headers?: string;
  actor?: string;
}

const list = (value: string | undefined) => (value === undefined ? undefined : value.split(',').map((item) => item.trim()));

/**
 * `ledger export customers --format csv|xlsx --out FILE --purpose P --filter JSON`: the export of
 * POST /v1/exports, run here against the database into a file (mode 0600): the same conditions,
 * purpose and masking rules, every customer access-logged and the export recorded as
 * ExportProduced, under the operating-system user (or --actor) with the `staff` role's reach.
 * Prints the export's id, row count and SHA-256 as JSON on stdout.
 */
@SubCommand({ name: 'customers', description: 'export the customers a filter finds to a .csv or .xlsx file (traced: access log, ledger, footer)' })
export class ExportCustomersCommand extends CommandRunner {
  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    super();
  }

  async run(_arguments: string[], options: ExportCustomersOptions): Promise<void> {
    const runtime = await NestFactory.createApplicationContext(ExportRuntimeModule.forRoot(this.config, this.logger, this.clock), { logger: false });
    const out = resolve(options.out);
    try {
      const exports = runtime.get(ExportsService);
      const filterText = options.filter.startsWith('@') ? await readFile(options.filter.slice(1), 'utf8') : options.filter;
      let filter: unknown;
      try {
        filter = JSON.parse(filterText);
      } catch {
        throw new InvalidInput([{ path: 'filter', message: 'must be a JSON object, e.g. {"tier":"gold"}' }]);
      }
      const request = exports.validate({
        purposeId: options.purpose,
        format: options.format,
        filter,
        ...(options.categories === undefined ? {} : { categories: list(options.categories) }),
        ...(options.columns === undefined ? {} : { columns: list(options.columns) }),
        ...(options.reveal === undefined ? {} : { reveal: list(options.reveal) }),
        ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
        ...(options.headers === undefined ? {} : { headers: options.headers }),
      });
      const metadata = cliMetadata(options.actor);
      const context = { actor: { id: metadata.actor, roles: ['staff' as const] }, correlationId: metadata.correlationId, causationId: randomUUID() };
      const plan = await exports.plan(request, context);
      const file = exports.start(plan, context);
      try {
        await pipeline(file.body, createWriteStream(out, { mode: 0o600 }));
      } catch (error) {
        await rm(out, { force: true });
        throw error;
      }
      const outcome = await file.recorded;
      process.stdout.write(`${JSON.stringify({ exportId: file.exportId, file: out, ...outcome })}\n`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const fields = error instanceof InvalidInput ? error.errors.map((problem) => `${problem.path}: ${problem.message}`).join('; ') : error.message;
      process.stderr.write(`ledger: ${fields}\n`);
      process.exitCode = EXIT_USAGE;
    } finally {
      await runtime.close();
    }
  }

  @Option({ flags: '--purpose <purposeId>', description: 'the purpose the export is made for', required: true })
  parsePurpose(value: string): string {
    return value;
  }

  @Option({ flags: '--format <format>', description: 'csv or xlsx', required: true })
  parseFormat(value: string): string {
    return value;
  }

  @Option({ flags: '--out <file>', description: 'the file to write (created with mode 0600)', required: true })
  parseOut(value: string): string {
    return value;
  }

  @Option({ flags: '--filter <json|@file>', description: 'the search’s conditions as a JSON object, e.g. {"tier":"gold","departmentId":"…"}', required: true })
  parseFilter(value: string): string {
    return value;
  }

  @Option({ flags: '--categories <list>', description: 'comma-separated categories (default: every one the purpose covers)' })
  parseCategories(value: string): string {
    return value;
  }

  @Option({ flags: '--columns <list>', description: 'comma-separated columns (`identity.name,contact.phones`)' })
  parseColumns(value: string): string {
    return value;
  }

  @Option({ flags: '--reveal <list>', description: 'contact and/or identity_document: shown unmasked, recorded as revealed' })
  parseReveal(value: string): string {
    return value;
  }

  @Option({ flags: '--encoding <encoding>', description: 'a CSV’s encoding: utf-8 (with BOM, default) or gb18030' })
  parseEncoding(value: string): string {
    return value;
  }

  @Option({ flags: '--headers <headers>', description: 'zh (default) or keys' })
  parseHeaders(value: string): string {
    return value;
  }

  @Option({ flags: '--actor <name>', description: 'record the export under this name instead of the operating-system user' })
  parseActor(value: string): string {
    return value;
  }
}

@Command({ name: 'export', description: 'bulk exports (customers)', subCommands: [ExportCustomersCommand] })
export class ExportCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

export const EXPORT_COMMANDS = [ExportCommand, ExportCustomersCommand];
