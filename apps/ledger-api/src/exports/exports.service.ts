import { createHash } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, loadStreamHead, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_CONFIG, LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { flatten } from '@pi-ledger/platform/http/validation.pipe';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';
import { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import type { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { admittedPurpose } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { permittedCategories } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import type { AccessMatrixErrorCode } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.errors';
import type { SubjectErrorCode } from '@pi-ledger/ledger-domain/subject/subject.errors';
import {
  decideExport,
  EXPORTS_STREAM,
  ExportEncoding,
  ExportErrorCode,
  ExportEvent,
  ExportFilterSummary,
  ExportFormat,
  ExportProduced,
} from '@pi-ledger/ledger-domain/exports/export-produced';
import { decodeCursor, encodeCursor } from '@pi-ledger/read-models/projections/keyset-cursor';
import { heldCategories } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.document';
import { SealedProfile, SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { CustomerNumberQueries } from '@pi-ledger/read-models/projections/customer-numbers/customer-numbers.projection';
import { AccessRead, AccessRecorder } from '../access-log/access-recorder';
import { AccessMatrixService } from '../access-matrix/access-matrix.service';
import { eventMetadata, RequestContext } from '../application/request-context';
import { RegistryService } from '../registry/registry.service';
import { maskProfile, revealedFields } from '../subjects/read-subject/masking';
import { foundCategories, SearchConditions, SearchCriteria, searchedCategories } from '../subjects/search-subjects/search-criteria';
import { SearchFiltersDto } from '../subjects/search-subjects/search-subjects.dto';
import { cellText, ExportColumn, exportColumns } from './export-columns';
import { sheetWriter, SheetWriter } from './export-writers';
import { EXPORTS_DEFAULT_LIMIT, ExportRequestDto, ListExportsDto } from './exports.dto';

/** Customers read, decided and written per round: the memory an export holds at once. */
const PAGE = 200;

/** An export decided before a byte is sent: every refusal (400, 403, 422) comes from here. */
export interface ExportPlan {
  exportId: string;
  exportedAt: Date;
  purpose: Purpose;
  registry: RegistryState;
  format: ExportFormat;
  encoding: ExportEncoding;
  headers: 'zh' | 'keys';
  categories: Category[];
  columns: ExportColumn[];
  reveal: Category[];
  conditions: SearchConditions;
  searchedBy: Category[];
  permitted: Category[];
  filter: ExportFilterSummary;
  maxRows: number;
}

export type ExportOutcome = Pick<ExportProduced['data'], 'rowCount' | 'sha256' | 'bytes' | 'complete'>;

/** The file of a started export: its bytes, its name, and what was recorded once it ended. */
export interface ExportFile {
  exportId: string;
  fileName: string;
  contentType: string;
  body: Readable;
  /** Settles once the export is recorded in the ledger (rejects when it could not be). */
  recorded: Promise<ExportOutcome>;
}

const FOLD: StreamFold<null, ExportEvent> = { initialState: () => null, evolve: () => null };

/** The filter conditions whose values are not personal data, kept in the export's event. */
const CLEAR_CONDITIONS = ['status', 'departmentId', 'healthManagerId', 'customerType', 'tier', 'lifecycleStage'] as const;

/**
 * Bulk export of customers (issue #15): the search's conditions and scoping, the file read's
 * purpose, category and masking rules, row by row into a CSV or XLSX stream. Each page of rows is
 * recorded in the access log (via `bulk-export`, with the export's id) before it is written; the
 * file ends with a footer naming the export, exporter and time; the export itself is recorded as
 * ExportProduced (row count, SHA-256 of the bytes sent) before the response ends.
 */
@Injectable()
export class ExportsService {
  constructor(
    private readonly profiles: SubjectProfileQueries,
    private readonly criteria: SearchCriteria,
    private readonly registry: RegistryService,
    private readonly matrix: AccessMatrixService,
    private readonly access: AccessRecorder,
    private readonly numbers: CustomerNumberQueries,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  /** An export request as the CLI's options give it, checked as the HTTP edge checks a body (400 naming each field). */
  validate(fields: Record<string, unknown>): ExportRequestDto {
    const request = plainToInstance(ExportRequestDto, fields);
    const problems = flatten(validateSync(request, { whitelist: true, forbidNonWhitelisted: true }));
    if (problems.length > 0) throw new InvalidInput(problems);
    return request;
  }

  /** Everything that can refuse the export, checked before anything is read or written. */
  async plan(request: ExportRequestDto, context: RequestContext): Promise<ExportPlan> {
    const format = request.format;
    if (request.encoding !== undefined && format !== 'csv') throw new InvalidInput([{ path: 'encoding', message: 'only a csv export has an encoding' }]);
    const registry = await this.registry.current();
    const purpose = admittedPurpose(registry, request.purposeId);
    const permitted = permittedCategories(await this.matrix.current(), context.actor.roles, 'read');
    const categories = exportedCategories(request, purpose, permitted);
    const reveal = request.reveal ?? [];
    const unexported = reveal.filter((category) => !categories.includes(category));
    if (unexported.length > 0) throw new InvalidInput([{ path: 'reveal', message: `not among the exported categories: ${unexported.join(', ')}` }]);
    const conditions = this.criteria.conditions(request.filter, context.actor, { whole: 'filter', at: (field) => `filter.${field}` });
    const maxRows = this.config.exportMaxRows;
    const matching = await this.profiles.countUpTo(conditions, maxRows + 1);
    if (matching > maxRows) {
      throw new DomainError<ExportErrorCode>('export-too-large', `the filter matches more than ${maxRows} customers, the most one export may hold; narrow it`, { maxRows });
    }
    return {
      exportId: uuidv7(),
      exportedAt: this.clock(),
      purpose,
      registry,
      format,
      encoding: format === 'csv' ? (request.encoding ?? 'utf-8') : 'utf-8',
      headers: request.headers ?? 'zh',
      categories,
      columns: exportColumns(categories, request.columns),
      reveal,
      conditions,
      searchedBy: searchedCategories(request.filter),
      permitted,
      filter: filterSummary(request.filter),
      maxRows,
    };
  }

  /** Starts writing the planned file: the bytes flow as the client reads them. */
  start(plan: ExportPlan, context: RequestContext): ExportFile {
    const hash = createHash('sha256');
    const progress = { rows: 0, bytes: 0, recorded: false };
    let settle!: { resolve: (outcome: ExportOutcome) => void; reject: (error: unknown) => void };
    const recorded = new Promise<ExportOutcome>((resolve, reject) => (settle = { resolve, reject }));
    recorded.catch(() => undefined);
    const record = async (complete: boolean) => {
      progress.recorded = true;
      const outcome = { rowCount: progress.rows, sha256: hash.digest('hex'), bytes: progress.bytes, complete };
      try {
        await this.record(plan, context, outcome);
      } catch (error) {
        settle.reject(error);
        throw error;
      }
      settle.resolve(outcome);
    };
    const body = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        progress.bytes += chunk.length;
        done(null, chunk);
      },
      // the export is in the ledger before the last byte leaves: a file that could not be recorded is cut off
      flush: (done) => void record(true).then(() => done(), done),
    });
    void this.produce(plan, context, body, progress).catch(async (error: unknown) => {
      if (!body.destroyed) body.destroy(error instanceof Error ? error : new Error('export failed'));
      this.logger.warn({ exportId: plan.exportId, rows: progress.rows, reason: error instanceof Error ? error.name : 'unknown' }, 'export cut off');
      if (progress.recorded) return;
      await record(false).catch((failure: unknown) =>
        this.logger.error({ exportId: plan.exportId, reason: failure instanceof Error ? failure.name : 'unknown' }, 'cut-off export not recorded'),
      );
    });
    const extension = plan.format;
    return {
      exportId: plan.exportId,
      fileName: `customers-${plan.exportId}.${extension}`,
      contentType: plan.format === 'csv' ? `text/csv; charset=${plan.encoding}` : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body,
      recorded,
    };
  }

  private async produce(plan: ExportPlan, context: RequestContext, out: Writable, progress: { rows: number }): Promise<void> {
    const trace = { exportId: plan.exportId, exporter: context.actor.id, exportedAt: plan.exportedAt, purposeId: plan.purpose.id };
    const writer = sheetWriter(plan.format, plan.encoding, out, trace);
    await writer.row(plan.columns.map((column) => (plan.headers === 'zh' ? column.header : column.key)));
    let after: string | undefined;
    while (progress.rows < plan.maxRows) {
      const page = await this.profiles.searchSealed({ ...plan.conditions, after, limit: PAGE });
      if (page.length === 0) break;
      after = page[page.length - 1].subjectId;
      const rows = await this.rows(plan, page.slice(0, plan.maxRows - progress.rows));
      // recorded before the rows leave: a row that could not be recorded is never sent
      await this.access.record(
        context,
        rows.map((row) => row.read),
      );
      await writeAll(writer, out, rows);
      progress.rows += rows.length;
      if (page.length < PAGE) break;
    }
    await writeAll(writer, out, [{ cells: footer(plan, context, progress.rows) }]);
    await untilClosedOr(out, writer.end());
  }

  /** The rows of a page of matches: each customer the purpose and the caller's roles let the export show, masked unless revealed. */
  private async rows(plan: ExportPlan, page: readonly SealedProfile[]): Promise<Array<{ cells: string[]; read: AccessRead }>> {
    const numbers = await this.numbers.numbersOf(page.map((profile) => profile.subjectId));
    const decided = page.map((profile) => {
      const visible = foundCategories(plan.registry, plan.purpose.id, { ...profile, categories: heldCategories(profile) }, plan.searchedBy, plan.permitted);
      return { profile, shown: visible?.filter((category) => plan.categories.includes(category)) ?? [] };
    });
    const found = decided.filter(({ shown }) => shown.length > 0);
    // a page's values are opened together (their data keys fetched at once), as the search opens its page
    const openedAll = await Promise.all(found.map(({ profile, shown }) => this.profiles.open(profile, shown)));
    const rows: Array<{ cells: string[]; read: AccessRead }> = [];
    for (const [index, { profile, shown }] of found.entries()) {
      const opened = openedAll[index];
      const data = Object.fromEntries(shown.map((category) => [category, opened[category] ?? {}]));
      const masked = maskProfile({ data }, plan.reveal).data;
      const fixed: Record<string, unknown> = {
        subjectId: profile.subjectId,
        customerNumber: numbers.get(profile.subjectId),
        status: profile.status,
        lifecycleStage: profile.lifecycle.stage,
      };
      rows.push({
        cells: plan.columns.map((column) => cellText(column.category === null ? fixed[column.field] : masked[column.category]?.[column.field])),
        read: {
          subjectId: profile.subjectId,
          purposeId: plan.purpose.id,
          categories: [...new Set([...shown, ...plan.searchedBy])],
          revealed: revealedFields(data, plan.reveal),
          via: 'bulk-export',
          exportId: plan.exportId,
        },
      });
    }
    return rows;
  }

  private async record(plan: ExportPlan, context: RequestContext, outcome: ExportOutcome): Promise<void> {
    const produced: ExportProduced['data'] = {
      exportId: plan.exportId,
      actor: context.actor.id,
      roles: [...context.actor.roles],
      purposeId: plan.purpose.id,
      format: plan.format,
      ...(plan.format === 'csv' ? { encoding: plan.encoding } : {}),
      filter: plan.filter,
      categories: plan.categories,
      revealed: plan.reveal,
      ...outcome,
      exportedAt: plan.exportedAt.toISOString(),
      finishedAt: this.clock().toISOString(),
    };
    const basis = { id: plan.purpose.id, legalBasis: plan.purpose.legalBasis };
    await handleCommand(this.store, EXPORTS_STREAM, FOLD, () => decideExport({ type: 'RecordExport', export: produced }), {
      prepare: async (events) => ({ events: events.map((event) => ({ ...event, metadata: eventMetadata(context, basis) })) }),
      load: loadStreamHead,
    });
  }

  /** Past exports, newest first, from their events. */
  async list(query: ListExportsDto): Promise<{ items: Array<ExportProduced['data']>; nextCursor: string | null }> {
    const limit = query.limit ?? EXPORTS_DEFAULT_LIMIT;
    let before = query.cursor === undefined ? undefined : cursorVersion(query.cursor);
    const items: Array<ExportProduced['data']> = [];
    let last: number | undefined;
    let more = false;
    // one match past the page tells whether there is a next one
    while (!more && (before === undefined || before > 1)) {
      const events = await this.store.readStream<ExportEvent>(EXPORTS_STREAM, {
        direction: 'backwards',
        maxCount: PAGE,
        ...(before === undefined ? {} : { fromVersion: before - 1 }),
      });
      for (const event of events) {
        before = event.streamVersion;
        const data = event.data;
        if ((query.actor !== undefined && data.actor !== query.actor) || (query.exportId !== undefined && data.exportId !== query.exportId.toLowerCase())) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(data);
        last = event.streamVersion;
      }
      if (more || events.length < PAGE) break;
    }
    return { items, nextCursor: more && last !== undefined ? encodeCursor([String(last)]) : null };
  }
}

/** The categories exported: those asked for (by category or column), else every one the roles may read within the purpose. */
function exportedCategories(request: ExportRequestDto, purpose: Purpose, permitted: readonly Category[]): Category[] {
  const asked = new Set<Category>([...(request.categories ?? []), ...(request.columns ?? []).map((key) => key.split('.')[0] as Category)]);
  if (asked.size === 0) {
    const allowed = CATEGORY_NAMES.filter((category) => permitted.includes(category) && purpose.categories.includes(category));
    if (allowed.length === 0) throw new DomainError<AccessMatrixErrorCode>('category-not-permitted', `your roles may read no category that ${purpose.id} covers`, {});
    return allowed;
  }
  const refused = [...asked].find((category) => !permitted.includes(category));
  if (refused !== undefined) throw new DomainError<AccessMatrixErrorCode>('category-not-permitted', `your roles may not read the category ${refused}`, { category: refused });
  const outside = [...asked].filter((category) => !purpose.categories.includes(category));
  if (outside.length > 0) {
    throw new DomainError<SubjectErrorCode>('category-not-in-purpose', `categories not within purpose ${purpose.id}: ${outside.join(', ')}`, {
      purposeId: purpose.id,
      categories: outside,
    });
  }
  return CATEGORY_NAMES.filter((category) => asked.has(category));
}

/** What the ledger keeps of the filter: the conditions' names, and the values that are not personal data. */
function filterSummary(filter: SearchFiltersDto): ExportFilterSummary {
  const given = Object.entries(filter).filter(([, value]) => value !== undefined);
  const clear = given.filter(([name]) => (CLEAR_CONDITIONS as readonly string[]).includes(name));
  return { conditions: given.map(([name]) => name), ...Object.fromEntries(clear.map(([name, value]) => [name, String(value)])) };
}

/** The last row: which export this file is, who made it, when, for what, and how many customers it holds. */
function footer(plan: ExportPlan, context: RequestContext, rows: number): string[] {
  return [
    '导出信息 export',
    `exportId=${plan.exportId}`,
    `exportedBy=${context.actor.id}`,
    `exportedAt=${plan.exportedAt.toISOString()}`,
    `purposeId=${plan.purpose.id}`,
    `rows=${rows}`,
  ];
}

async function writeAll(writer: SheetWriter, out: Writable, rows: ReadonlyArray<{ cells: string[] }>): Promise<void> {
  for (const row of rows) {
    if (out.destroyed) throw new ExportCutOff();
    await writer.row(row.cells);
  }
}

/** `work`, unless the client goes away first (then a finished workbook would wait for a reader forever). */
async function untilClosedOr(out: Writable, work: Promise<void>): Promise<void> {
  if (out.destroyed) throw new ExportCutOff();
  let closed: (() => void) | undefined;
  const cutOff = new Promise<void>((_resolve, reject) => {
    // a stream that took the whole file closes too (an XLSX writer ends it before its own promise settles): only an early close is a cut-off
    closed = () => (out.writableFinished ? undefined : reject(new ExportCutOff()));
    out.once('close', closed);
  });
  cutOff.catch(() => undefined);
  try {
    await Promise.race([work, cutOff]);
  } finally {
    if (closed) out.off('close', closed);
  }
}

/** The client stopped reading: the rest of the file is not written. */
class ExportCutOff extends Error {
  constructor() {
    super('the download was cut off');
    this.name = 'ExportCutOff';
  }
}

function cursorVersion(cursor: string): number {
  const key = decodeCursor(cursor, 1);
  const version = key ? Number(key[0]) : NaN;
  if (!Number.isInteger(version) || version < 1) throw new InvalidInput([{ path: 'query.cursor', message: 'not a cursor this endpoint returned' }]);
  return version;
}
