import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { v5 as uuidv5 } from 'uuid';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { withAdvisoryLock } from '@pi-ledger/platform/scheduling/periodic-sweep';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { chinaYear, customerNumberStream } from '@pi-ledger/ledger-domain/customer-number/customer-number';
import { RequestContext } from '../application/request-context';
import { BatchRegistration, RegisterSubject, RegisterSubjectHandler } from '../subjects/register-subject/register-subject.handler';
import { ChangeData } from '../subjects/change-data/change-data.handler';
import { SubjectCommandsService } from '../subjects/subject-commands.service';
import { CustomerNumbersService } from '../subjects/customer-numbers/customer-numbers.service';
import { RegisterSubjectDto, ChangeDataDto } from '../subjects/subject-commands.dto';
import { CellValue, ColumnKey, columnOfPath, IMPORT_COLUMNS, HeaderLayout, layoutOf, RegistrationBody, RowProblem, rowToRegistration } from './import-columns';
import { isRecordKind, RECORD_KIND_SPECS, RecordKind } from './import-record-kinds';
import { ImportRecords } from './import-records';
import { GroupCommit } from '@pi-ledger/platform/concurrency/group-commit';
import { Claim, FileClaims } from './file-claims';
import { detectFileEncoding, FileRow, readRows } from './import-reader';
import { ImportDuplicates, RowKey, rowIdentity } from './import-duplicates';
import { ImportJob, ImportJobsStore, RowCounts, RowMatch, RowRecord } from './import-jobs.store';

/** Customers' rows handled at once: their registrations, numbers and outcomes are written in batches of those that arrive together. */
const DEFAULT_CONCURRENCY = 256;
/** Records' units handled at once: each is written through its own command. */
const RECORD_CONCURRENCY = 16;
/** How often a running job writes how far it has read (and looks whether it was cancelled). */
const PROGRESS_EVERY_MS = 500;
/** The namespace of the subject ids derived from a job and a row (UUIDv5). */
const IMPORT_SUBJECT_NAMESPACE = '6f7c0d4e-8a0b-4b8f-9b1e-3c2d5e6f7a81';

/** The subject a job's row registers: the same on every run, so a re-run recognises its own registration. */
export const importSubjectId = (jobId: string, rowNumber: number) => uuidv5(`${jobId}:${rowNumber}`, IMPORT_SUBJECT_NAMESPACE);

/** A domain refusal → the column it concerns, when it concerns one. */
const CODE_COLUMN: Record<string, ColumnKey> = {
  'duplicate-subject': 'idNumber',
  'guardian-consent-required': 'guardianName',
  'separate-consent-required': 'consentCategories',
  'consent-required': 'consentCategories',
  'category-not-in-purpose': 'consentCategories',
};

export interface ImportProgress {
  counts: RowCounts;
  bytesRead: number;
  fileBytes: number;
}

export interface RunOptions {
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  concurrency?: number;
}

/** What a run reads and writes in batches: its rows' duplicates in the ledger (two statements for many), its registrations (one append for many new subjects), their customer numbers (one append for many), its rows' outcomes (one transaction for many). */
interface RunBatches {
  lookups: GroupCommit<{ keys: readonly RowKey[]; except: string }, RowMatch | undefined>;
  registrations: GroupCommit<RegisterSubject, BatchRegistration>;
  numbers: GroupCommit<{ subjectId: string; context: RequestContext }, undefined>;
  outcomes: GroupCommit<RowRecord[], undefined>;
}

class Semaphore {
  private waiting: Array<() => void> = [];
  private free: number;
  constructor(size: number) {
    this.free = size;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Runs a customer import job: reads its file row by row, and registers each row through the same
 * command as POST /v1/subjects (RegisterSubject, with its validation, consent, minor, purpose and
 * ID-number rules), with the job and row in every event's metadata. The rows that arrive together
 * are registered together (RegisterSubjectHandler.executeBatch: the same plan and decider, their
 * ID numbers reserved in one statement, their streams and data keys appended in one); a row the
 * batch cannot settle takes the single path. Nothing lost, nothing twice:
 * a row's subject id is derived from job and row (a re-run's registration of the same row is
 * refused as `subject-exists`, and is taken for what it is), a row's outcome is written once, a
 * resumed run skips the rows recorded, and the job completes only once every row of the file has
 * an outcome. One process runs a job at a time (a session advisory lock, freed when the process dies).
 */
@Injectable()
export class ImportRunner {
  constructor(
    private readonly store: ImportJobsStore,
    private readonly duplicates: ImportDuplicates,
    private readonly records: ImportRecords,
    private readonly commands: CommandBus,
    private readonly subjects: SubjectCommandsService,
    private readonly numbers: CustomerNumbersService,
    private readonly registrar: RegisterSubjectHandler,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Runs the job to its end unless another process holds it (`false`). `onProgress` after every
   * row; `signal` stops the run between rows, leaving the job to be resumed.
   */
  async run(jobId: string, options: RunOptions = {}): Promise<boolean> {
    const key = createHash('sha256').update(`import-job:${jobId}`).digest().readBigInt64BE(0).toString();
    const locked = await withAdvisoryLock(this.store.pool, key, () => this.runLocked(jobId, options));
    return locked.ran;
  }

  private async runLocked(jobId: string, { onProgress, signal, concurrency }: RunOptions): Promise<void> {
    const job = await this.store.get(jobId);
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return;
    if (!job.filePath || !existsSync(job.filePath)) {
      await this.end(job, 'failed', null, 'file-missing');
      return;
    }
    const encoding = job.format === 'csv' ? (job.options.encoding ?? (await detectFileEncoding(job.filePath))) : null;
    const recorded = await this.store.recordedRows(jobId);
    const claims = new FileClaims((keys) => this.store.keys(jobId, keys));
    const counts = await this.store.counts(jobId);
    this.logger.info({ importJobId: jobId, resumedAfterRows: recorded.size }, recorded.size > 0 ? 'import job resumed' : 'import job started');

    let bytesRead = 0;
    let lastProgress = 0;
    let cancelled = false;
    let failure: Error | undefined;
    let layout: HeaderLayout<string> | undefined;
    let dataRows = 0;
    const slots = new Semaphore(concurrency ?? (isRecordKind(job.kind) ? RECORD_CONCURRENCY : DEFAULT_CONCURRENCY));
    const batches: RunBatches = {
      lookups: new GroupCommit((rows) => this.duplicates.inLedgerAll(rows)),
      registrations: new GroupCommit((commands) => this.registrar.executeBatch(commands)),
      numbers: new GroupCommit(async (requests) => {
        try {
          await this.numbers.allocateAll(requests);
        } catch (error) {
          // the registrations stand without a number, as for POST /v1/subjects: the back-fill numbers them
          this.logger.warn({ importJobId: jobId, subjects: requests.length, err: error }, 'customer numbers not allocated at import: the back-fill will number these subjects');
        }
        return requests.map(() => undefined);
      }),
      outcomes: new GroupCommit(async (records) => {
        await this.store.record(jobId, records.flat());
        return records.map(() => undefined);
      }),
    };
    const inFlight = new Set<Promise<void>>();
    const report = (record: RowRecord) => {
      counts.rows++;
      counts[record.outcome]++;
      if (record.flagged) counts.flagged++;
      if (record.match) counts.duplicates++;
      onProgress?.({ counts: { ...counts }, bytesRead, fileBytes: job.fileBytes });
    };

    const records = isRecordKind(job.kind) ? { kind: job.kind, spec: RECORD_KIND_SPECS[job.kind] } : undefined;
    /** Handles one unit of the file (a customer's row; a record's rows), paced by the slots; false: stop reading. */
    const dispatch = async (rows: FileRow[]): Promise<boolean> => {
      if (recorded.has(rows[0].rowNumber)) return true;
      // pace the reading by the slots, and look now and then how far it is and whether to stop
      await slots.take();
      if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
        lastProgress = performance.now();
        cancelled = await this.store.progress(jobId, bytesRead);
      }
      if (cancelled) {
        slots.give();
        return false;
      }
      const outcome = records
        ? this.records.handle(job as ImportJob & { kind: RecordKind }, layout as HeaderLayout<string>, rows, this.context(job, rows[0].rowNumber))
        : this.handleRow(job, layout as HeaderLayout, rows[0], claims, batches).then((record) => [record]);
      const handled = outcome
        .then(async (done) => {
          await batches.outcomes.add(done);
          for (const record of done) claims.recorded(record.rowNumber);
          done.forEach(report);
        })
        .catch((error: unknown) => {
          failure ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => {
          slots.give();
          inFlight.delete(handled);
        });
      inFlight.add(handled);
      return true;
    };

    let group: FileRow[] = [];
    for await (const row of readRows(job.filePath, job.format, encoding ?? 'utf-8', (bytes) => (bytesRead = bytes))) {
      if (failure || signal?.aborted) break;
      if (!layout) {
        layout = layoutOf<string>(
          row.values.map((value) => (value === null || value === undefined ? '' : String(value))),
          job.options.mapping,
          records?.spec.columns ?? IMPORT_COLUMNS,
        );
        await this.store.started(jobId, encoding, layout.unknown, recorded.size);
        continue;
      }
      dataRows++;
      if (records && group.length > 0) {
        const cells = (member: FileRow) => this.records.cells(records.kind, layout as HeaderLayout<string>, member);
        // consecutive rows of one record (a visit's results, an order's lines) go together
        if (this.records.sameRecord(records.kind, cells(group[group.length - 1]), cells(row))) {
          group.push(row);
          continue;
        }
      }
      if (group.length > 0 && !(await dispatch(group))) {
        group = [];
        break;
      }
      group = [row];
    }
    if (group.length > 0 && !failure && !signal?.aborted && !cancelled) await dispatch(group);
    await Promise.all(inFlight);
    if (signal?.aborted && !failure) {
      await this.store.progress(jobId, bytesRead);
      this.logger.info({ importJobId: jobId }, 'import job paused by shutdown; it resumes at the next start');
      return;
    }
    if (failure) {
      // the database went away, or a fault of the code: the job stays running, to be resumed
      this.logger.error({ importJobId: jobId, err: failure }, 'import job stopped; it resumes from its last recorded row');
      throw failure;
    }
    if (!layout) {
      await this.end(job, 'failed', 0, 'no-header-row');
      return;
    }
    await this.end(job, cancelled ? 'cancelled' : 'completed', cancelled ? null : dataRows);
    const final = await this.store.counts(jobId);
    this.logger.info({ importJobId: jobId, ...final, state: cancelled ? 'cancelled' : 'completed' }, 'import job ended');
  }

  /** The file is PI: it lives only for the job's life. An uploaded file (in the data dir) is deleted; a CLI user's own file is left. */
  private async end(job: ImportJob, state: 'completed' | 'cancelled' | 'failed', rowsTotal: number | null, failure?: string): Promise<void> {
    await this.store.finish(job.jobId, state, this.clock().toISOString(), rowsTotal, failure);
    if (job.runner === 'api' && job.filePath) rmSync(job.filePath, { force: true });
  }

  private async handleRow(job: ImportJob, layout: HeaderLayout, row: FileRow, claims: FileClaims, batches: RunBatches): Promise<RowRecord> {
    const rowNumber = row.rowNumber;
    const headerOf = (key: ColumnKey) => layout.headers.get(key) ?? IMPORT_COLUMNS.find((column) => column.key === key)!.header;
    const cells = new Map<ColumnKey, CellValue>();
    for (const [index, key] of layout.columns) cells.set(key, row.values[index]);
    const { body, problems } = rowToRegistration(cells, job.options, headerOf);
    if (!body) return { rowNumber, outcome: 'refused', problems };

    const subjectId = importSubjectId(job.jobId, rowNumber);
    // the row's keys, once: matched against the file's earlier rows and, by their blind indexes, against the ledger
    const keys = this.duplicates.keys(rowIdentity(body.data));
    // claim this row's keys for the rows after it, at once (before any await), in file order
    let settle!: (value: { rowNumber: number; subjectId: string } | undefined) => void;
    const mine: Claim = new Promise((resolve) => (settle = resolve));
    const earlier = claims.claim(
      rowNumber,
      keys.map(({ key }) => key),
      mine,
    );
    let record: RowRecord | undefined;
    try {
      const match = (await this.inFile(keys, earlier)) ?? (await batches.lookups.add({ keys, except: subjectId }));
      record = await this.apply(job, rowNumber, subjectId, body, match, headerOf, batches);
      return { ...record, keys: keys.map(({ key }) => key) };
    } finally {
      settle(record && record.outcome !== 'refused' && record.outcome !== 'skipped' && record.subjectId ? { rowNumber, subjectId: record.subjectId } : undefined);
    }
  }

  private async inFile(keys: RowKey[], earlier: Array<Claim | undefined>): Promise<RowMatch | undefined> {
    const found = await Promise.all(earlier.map((claim) => claim ?? Promise.resolve(undefined)));
    const first = found.map((claim, index) => ({ claim, reason: keys[index].reason })).filter((entry) => entry.claim);
    if (first.length === 0) return undefined;
    const target = first.sort((a, b) => a.claim!.rowNumber - b.claim!.rowNumber)[0].claim!;
    const reasons = first.filter((entry) => entry.claim!.subjectId === target.subjectId).map((entry) => entry.reason);
    return {
      subjectId: target.subjectId,
      sourceRow: target.rowNumber,
      reasons: [...new Set(reasons)].sort(),
      candidates: new Set(first.map((entry) => entry.claim!.subjectId)).size,
    };
  }

  /** The row's registration, or the policy's handling of its match. */
  private async apply(
    job: ImportJob,
    rowNumber: number,
    subjectId: string,
    body: RegistrationBody,
    match: RowMatch | undefined,
    headerOf: (key: ColumnKey) => string,
    batches: RunBatches,
  ): Promise<RowRecord> {
    const context = this.context(job, rowNumber);
    const policy = job.options.onDuplicate;
    // `update` corrects a customer only on the strongest evidence, the ID number: a phone, an email or a name and birth date
    // are shared by families and namesakes, so such a row is left for a person to look at (the duplicates report), not written
    if (match && (policy === 'skip' || (policy === 'update' && !match.reasons.includes('id_number')))) return { rowNumber, outcome: 'skipped', match };
    if (match && policy === 'update') {
      try {
        if (!job.dryRun) await this.correct(match.subjectId, body, job, context);
        return { rowNumber, outcome: 'updated', subjectId: match.subjectId, match };
      } catch (error) {
        return { rowNumber, outcome: 'refused', match, problems: this.problemsOf(error, headerOf) };
      }
    }
    try {
      const command = new RegisterSubject(body as RegisterSubjectDto, context, { subjectId, dryRun: job.dryRun, number: false });
      // with the rows that arrive together; a row the batch cannot settle (its ID number held, a re-run's subject) alone
      const batched = job.dryRun ? undefined : await batches.registrations.add(command);
      if (batched?.kind === 'refused') throw batched.error;
      if (batched?.kind !== 'registered') await this.commands.execute(command);
      if (!job.dryRun) await batches.numbers.add({ subjectId, context });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'subject-exists' && error.details.subjectId === subjectId)) {
        return { rowNumber, outcome: 'refused', ...(match ? { match } : {}), problems: this.problemsOf(error, headerOf) };
      }
      // registered by an earlier run that stopped before writing the row's outcome
      if (await this.unnumbered(subjectId)) await batches.numbers.add({ subjectId, context });
    }
    return { rowNumber, outcome: 'imported', subjectId, ...(match ? { match, flagged: true } : {}) };
  }

  /** Policy `update`: the row's values as a correction of the matched customer, category by category; once per row. */
  private async correct(subjectId: string, body: RegistrationBody, job: ImportJob, context: RequestContext): Promise<void> {
    const { events } = await this.subjects.load(subjectId);
    const done = new Set(
      events.filter((event) => event.metadata.importJobId === job.jobId && event.metadata.importRow === context.importRow!.rowNumber).map((event) => event.type),
    );
    if (done.size > 0) return;
    for (const [category, set] of Object.entries(body.data)) {
      const input: ChangeDataDto = { set, reason: 'correction', purposeId: job.options.purposeId };
      await this.commands.execute(new ChangeData(subjectId, category as Category, input, undefined, context));
    }
  }

  private async unnumbered(subjectId: string): Promise<boolean> {
    const year = chinaYear(this.clock().toISOString());
    const { rows } = await this.store.pool.query(`SELECT 1 FROM ledger_events WHERE stream_id = ANY($1) AND data->>'subjectId' = $2 LIMIT 1`, [
      [customerNumberStream(year), customerNumberStream(year - 1)],
      subjectId,
    ]);
    return rows.length === 0;
  }

  private context(job: ImportJob, rowNumber: number): RequestContext {
    return {
      actor: { id: job.actor.id, roles: job.actor.roles, ...(job.actor.departmentId ? { departmentId: job.actor.departmentId } : {}) },
      correlationId: job.jobId,
      causationId: `${job.jobId}:${rowNumber}`,
      importRow: { jobId: job.jobId, rowNumber },
    };
  }

  /** A refusal as the API would give it (its code), named by column; the message never holds a value. */
  private problemsOf(error: unknown, headerOf: (key: ColumnKey) => string): RowProblem[] {
    if (error instanceof InvalidInput) {
      return error.errors.map((problem) => {
        const key = columnOfPath(problem.path);
        return { column: key ? headerOf(key) : null, code: error.code, message: `${problem.path}: ${problem.message}` };
      });
    }
    if (error instanceof DomainError) return [{ column: CODE_COLUMN[error.code] ? headerOf(CODE_COLUMN[error.code]) : null, code: error.code, message: error.message }];
    throw error;
  }
}
