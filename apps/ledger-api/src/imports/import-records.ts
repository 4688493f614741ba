import { Inject, Injectable } from '@nestjs/common';
import { CustomerNumberQueries } from '@pi-ledger/read-models/projections/customer-numbers/customer-numbers.projection';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { v5 as uuidv5 } from 'uuid';
import { flatten } from '@pi-ledger/platform/http/validation.pipe';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { parseCustomerNumber } from '@pi-ledger/ledger-domain/customer-number/customer-number';
import { CHECKUP_CATEGORY, checkupStream } from '@pi-ledger/ledger-domain/checkups/checkup.events';
import { ORDER_CATEGORY, orderStream, PaymentMethod } from '@pi-ledger/ledger-domain/orders/order.events';
import { SERVICE_RECORD_CATEGORY, serviceRecordStream } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { RequestContext } from '../application/request-context';
import { CheckupsService } from '../checkups/checkups.service';
import { RecordCheckupDto } from '../checkups/checkups.dto';
import { OrdersService } from '../orders/orders.service';
import { PlaceOrderDto } from '../orders/orders.dto';
import { ServiceRecordsService } from '../service-records/service-records.service';
import { RecordServiceDto } from '../service-records/service-records.dto';
import { SubjectRecordAccess } from '../subject-records/subject-record-access';
import { SubjectIdNumbers } from '../subjects/subject-id-numbers';
import { FileRow } from './import-reader';
import { HeaderLayout, RowProblem } from './import-columns';
import { paymentOf, RECORD_KIND_SPECS, RecordKind, rowCells, RowCells } from './import-record-kinds';
import { ImportJob, RowRecord } from './import-jobs.store';

/** The namespace of the record ids derived from a job, its kind and a record's first row (UUIDv5). */
const IMPORT_RECORD_NAMESPACE = '2b1f7c52-3e0d-4d7a-9a61-0c8e5b4f9d17';

/**
 * The record a file's rows starting at `firstRow` create: derived from the file's content, not the
 * job, so that a resumed job, a re-run of the CLI and a second upload of the same file all meet the
 * record written the first time.
 */
export const importRecordId = (fileSha256: string, kind: RecordKind, firstRow: number) => uuidv5(`${fileSha256}:${kind}:${firstRow}`, IMPORT_RECORD_NAMESPACE);

const CATEGORY: Record<RecordKind, Category> = { checkups: CHECKUP_CATEGORY, orders: ORDER_CATEGORY, services: SERVICE_RECORD_CATEGORY };
const STREAM: Record<RecordKind, (id: string) => string> = { checkups: checkupStream, orders: orderStream, services: serviceRecordStream };
/** The refusal a re-run's own record meets, and the detail naming its id. */
const EXISTS: Record<RecordKind, [code: string, detail: string]> = {
  checkups: ['checkup-exists', 'visitId'],
  orders: ['order-exists', 'orderId'],
  services: ['service-record-exists', 'recordId'],
};
/** Refusals that concern the job's caller, not the row's customer: no column. */
const CALLER_CODES = new Set(['category-not-permitted']);

/**
 * Imports the records of existing customers (check-ups, orders, service records): a group of rows
 * (one record) → its customer, found by customer number or ID number (its blind index), then the
 * same service method as the API's POST (RecordCheckup, PlaceOrder and PayOrder, RecordService),
 * with its authorisation (SubjectRecordAccess: role × category matrix, purpose, assignment; no
 * break-glass for an import), validation and sealing. The record's id is derived from the job and
 * its first row: a re-run's write of the same record is refused by the record's own stream, and is
 * taken for what it is. Every row of the group gets the group's outcome.
 */
@Injectable()
export class ImportRecords {
  constructor(
    private readonly access: SubjectRecordAccess,
    private readonly checkups: CheckupsService,
    private readonly orders: OrdersService,
    private readonly services: ServiceRecordsService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly numbers: CustomerNumberQueries,
    private readonly idNumbers: SubjectIdNumbers,
  ) {}

  /** The cells of a row, for grouping and building. */
  cells(kind: RecordKind, layout: HeaderLayout<string>, row: FileRow) {
    return rowCells(row.rowNumber, row.values, layout.columns, (key) => headerOf(kind, layout, key));
  }

  /** Whether `row` continues the record of `previous`: the same customer reference and the kind's group key. */
  sameRecord(kind: RecordKind, previous: RowCells, row: RowCells): boolean {
    const groupKey = RECORD_KIND_SPECS[kind].groupKey;
    if (!groupKey) return false;
    const customer = (cells: RowCells) => `${cells.text('customerNumber')?.toUpperCase()}\u0000${cells.text('idNumber')?.toUpperCase()}`;
    return customer(previous) === customer(row) && groupKey(previous) === groupKey(row);
  }

  async handle(job: ImportJob & { kind: RecordKind }, layout: HeaderLayout<string>, rows: readonly FileRow[], context: RequestContext): Promise<RowRecord[]> {
    const spec = RECORD_KIND_SPECS[job.kind];
    const header = (key: string) => headerOf(job.kind, layout, key);
    const cells = rows.map((row) => this.cells(job.kind, layout, row));
    const refuse = (problems: RowProblem[], at = 0, subjectId?: string) =>
      cells.map((row, index): RowRecord => {
        const own = [...row.problems, ...(index === at ? problems : [])];
        return {
          rowNumber: row.rowNumber,
          outcome: 'refused',
          ...(subjectId ? { subjectId } : {}),
          problems:
            own.length > 0
              ? own
              : [{ column: null, code: 'record-refused', message: `refused with row ${cells[at].rowNumber}: the rows of one ${spec.label} are imported together` }],
        };
      });

    const body = { ...spec.build(cells), purposeId: job.options.purposeId };
    const payment = job.kind === 'orders' ? paymentOf(cells) : undefined;
    const customer = await this.customerOf(cells[0], header);
    const firstWithProblem = cells.findIndex((row) => row.problems.length > 0);
    if (firstWithProblem >= 0) return refuse([], firstWithProblem);
    if ('problems' in customer) return refuse(customer.problems);
    const { subjectId } = customer;

    const dto = plainToInstance(spec.dto, body);
    const invalid = flatten(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }));
    if (invalid.length > 0) {
      const byRow = new Map<number, RowProblem[]>();
      for (const problem of invalid) {
        const at = spec.columnOfPath(problem.path, cells) ?? { row: 0, key: undefined };
        const column = at.key ? header(at.key) : null;
        const message = `${problem.path}: ${problem.message}`;
        const problems = byRow.get(at.row) ?? [];
        // one problem a column: a value can break two of the command's rules
        const same = problems.find((known) => known.column === column);
        if (same) same.message = `${same.message}; ${message}`;
        else byRow.set(at.row, [...problems, { column, code: 'validation-failed', message }]);
      }
      for (const [at, problems] of byRow) cells[at]?.problems.push(...problems);
      return refuse([], Math.min(...byRow.keys()), subjectId);
    }

    const recordId = importRecordId(job.fileSha256, job.kind, rows[0].rowNumber);
    let earlierJob: string | undefined;
    try {
      if (job.dryRun) await this.access.authorizeWrite(subjectId, context, job.options.purposeId, CATEGORY[job.kind]);
      else earlierJob = await this.write(job, subjectId, dto, recordId, payment as PaymentMethod | undefined, context);
    } catch (error) {
      return refuse(
        this.problemsOf(error, (path) => spec.columnOfPath(path, cells), header, customer.column),
        0,
        subjectId,
      );
    }
    // the same rows of the same file, imported by another job: nothing written twice, and said so
    const match = earlierJob ? { match: { subjectId, reasons: ['imported_before' as const], candidates: 1, jobId: earlierJob } } : {};
    return cells.map((row) => ({ rowNumber: row.rowNumber, outcome: earlierJob ? 'skipped' : 'imported', subjectId, ...match }));
  }

  /** Writes the record; when it exists already (this file's rows, imported before), the job that wrote it, if another. */
  private async write(job: ImportJob & { kind: RecordKind }, subjectId: string, dto: object, recordId: string, payment: PaymentMethod | undefined, context: RequestContext) {
    const kind = job.kind;
    try {
      if (kind === 'checkups') await this.checkups.record(subjectId, dto as RecordCheckupDto, context, { visitId: recordId });
      else if (kind === 'services') await this.services.record(subjectId, dto as RecordServiceDto, context, { recordId });
      else await this.orders.place(subjectId, dto as PlaceOrderDto, context, { orderId: recordId });
    } catch (error) {
      const [code, detail] = EXISTS[kind];
      if (!(error instanceof DomainError && error.code === code && error.details[detail] === recordId)) throw error;
      // written by an earlier run of this job that stopped before recording the rows' outcome, or by another job of this file
      const [first] = await this.store.readStream(STREAM[kind](recordId), { maxCount: 1 });
      const writer = first?.metadata.importJobId;
      if (writer && writer !== job.jobId) return writer;
    }
    if (kind === 'orders' && payment) {
      try {
        await this.orders.change(recordId, { type: 'PayOrder', paymentMethod: payment }, (dto as PlaceOrderDto).purposeId, context, undefined);
      } catch (error) {
        // paid by an earlier run: nobody else knows an order this job placed before it is paid
        if (!(error instanceof DomainError && error.code === 'order-not-payable')) throw error;
      }
    }
    return undefined;
  }

  /** The row's customer: by number (the customer_numbers read model) or ID number (its blind index); both given, they must agree. */
  private async customerOf(cells: RowCells, header: (key: string) => string): Promise<{ subjectId: string; column: string } | { problems: RowProblem[] }> {
    const number = cells.text('customerNumber');
    const idNumber = cells.text('idNumber')?.toUpperCase();
    if (number === undefined && idNumber === undefined) {
      return { problems: [{ column: header('customerNumber'), code: 'validation-failed', message: `give the customer: ${header('customerNumber')} or ${header('idNumber')}` }] };
    }
    const found: Array<{ column: string; subjectId: string | undefined }> = [];
    if (number !== undefined) {
      let parsed: string;
      try {
        parsed = parseCustomerNumber(number, 'customerNumber');
      } catch {
        return { problems: [{ column: header('customerNumber'), code: 'validation-failed', message: 'must be a customer number such as C2026000123' }] };
      }
      // a merged-away customer's number finds the survivor
      found.push({ column: header('customerNumber'), subjectId: await this.numbers.subjectOf(parsed) });
    }
    if (idNumber !== undefined) {
      found.push({ column: header('idNumber'), subjectId: await this.idNumbers.holderOf(idNumber) });
    }
    const unknown = found.find((entry) => entry.subjectId === undefined);
    if (unknown) return { problems: [{ column: unknown.column, code: 'unknown-customer', message: 'names no customer of the ledger' }] };
    if (found.length === 2 && found[0].subjectId !== found[1].subjectId) {
      return { problems: [{ column: found[1].column, code: 'customer-mismatch', message: `names another customer than ${found[0].column}` }] };
    }
    return { subjectId: found[0].subjectId!, column: found[0].column };
  }

  /** A refusal as the API gives it (its code), named by the column it concerns: the customer's for the customer's rules. */
  private problemsOf(
    error: unknown,
    columnOfPath: (path: string) => { row: number; key: string } | undefined,
    header: (key: string) => string,
    customerColumn: string,
  ): RowProblem[] {
    if (error instanceof InvalidInput) {
      return error.errors.map((problem) => {
        const at = columnOfPath(problem.path);
        return { column: at ? header(at.key) : null, code: error.code, message: `${problem.path}: ${problem.message}` };
      });
    }
    if (error instanceof DomainError) return [{ column: CALLER_CODES.has(error.code) ? null : customerColumn, code: error.code, message: error.message }];
    throw error;
  }
}

/** A column as the file heads it, else as the template does. */
function headerOf(kind: RecordKind, layout: HeaderLayout<string>, key: string): string {
  return layout.headers.get(key) ?? RECORD_KIND_SPECS[kind].columns.find((column) => column.key === key)?.header ?? key;
}
