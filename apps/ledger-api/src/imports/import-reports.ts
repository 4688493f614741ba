import { Injectable } from '@nestjs/common';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { CustomerNumberQueries } from '@pi-ledger/read-models/projections/customer-numbers/customer-numbers.projection';
import { RequestContext } from '../application/request-context';
import { ImportJob, ImportJobsStore, RowRecord } from './import-jobs.store';

const PAGE_MAX = 1000;

export type ImportErrorCode = 'import-not-found' | 'import-finished' | 'unknown-customer' | 'customer-mismatch' | 'record-refused';

/** What an import job reports: its state and counts, its refused rows, its duplicates. Ids, numbers, columns and codes only. */
@Injectable()
export class ImportReports {
  constructor(
    private readonly store: ImportJobsStore,
    private readonly numbers: CustomerNumberQueries,
  ) {}

  /** A job is its creator's, and a compliance officer's to see; to anyone else it does not exist. */
  async assertVisible(jobId: string, context: RequestContext): Promise<ImportJob> {
    const job = await this.store.get(jobId);
    if (!job || (job.actor.id !== context.actor.id && !context.actor.roles.includes('compliance_officer'))) {
      throw new DomainError<ImportErrorCode>('import-not-found', 'no such import job', { jobId });
    }
    return job;
  }

  async status(jobId: string) {
    const job = (await this.store.get(jobId))!;
    const counts = await this.store.counts(jobId);
    const fraction = job.fileBytes > 0 ? Math.min(1, job.bytesRead / job.fileBytes) : 1;
    const runRows = counts.rows - job.runRowsBefore;
    const rate = job.state === 'running' && job.runSeconds && job.runSeconds > 0 ? runRows / job.runSeconds : null;
    const estimatedRows = job.rowsTotal ?? (fraction > 0 ? Math.round(counts.rows / fraction) : null);
    const eta = rate && rate > 0 && estimatedRows !== null ? Math.max(0, Math.round((estimatedRows - counts.rows) / rate)) : null;
    return {
      jobId: job.jobId,
      kind: job.kind,
      state: job.state,
      dryRun: job.dryRun,
      format: job.format,
      encoding: job.encoding,
      purposeId: job.options.purposeId,
      noticeVersion: job.options.noticeVersion || null,
      channel: job.options.channel,
      onDuplicate: job.kind === 'customers' ? job.options.onDuplicate : null,
      createdBy: job.actor.id,
      createdAt: job.createdAt,
      finishedAt: job.finishedAt,
      failure: job.failure,
      cancelRequested: job.cancelRequested,
      unknownColumns: job.unknownColumns,
      rows: {
        read: counts.rows,
        total: job.rowsTotal,
        imported: counts.imported,
        updated: counts.updated,
        skipped: counts.skipped,
        refused: counts.refused,
        flagged: counts.flagged,
        duplicates: counts.duplicates,
      },
      progress: { bytesRead: job.state === 'completed' ? job.fileBytes : job.bytesRead, fileBytes: job.fileBytes },
      rowsPerSecond: rate === null ? null : Math.round(rate * 10) / 10,
      etaSeconds: eta,
    };
  }

  async page(jobId: string, which: 'refused' | 'duplicates', query: Record<string, string>) {
    const after = query.after === undefined ? 0 : Number(query.after);
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(after) || after < 0) throw new InvalidInput([{ path: 'query.after', message: 'must be a row number' }]);
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) throw new InvalidInput([{ path: 'query.limit', message: `must be an integer from 1 to ${PAGE_MAX}` }]);
    const rows = await this.store.rows(jobId, which, after, limit);
    const items = which === 'refused' ? rows.flatMap(errorLines) : await this.withNumbers(rows);
    return { items, nextAfter: rows.length === limit ? rows[rows.length - 1].rowNumber : null };
  }

  /** Every refused row as CSV (UTF-8 with a BOM, for Excel): row, column, code, message. */
  async *errorsCsv(jobId: string): AsyncGenerator<string> {
    yield '\uFEFFrow,column,code,message\r\n';
    let after = 0;
    for (;;) {
      const rows = await this.store.rows(jobId, 'refused', after, PAGE_MAX);
      for (const line of rows.flatMap(errorLines)) yield `${[line.row, line.column ?? '', line.code, line.message].map(csvField).join(',')}\r\n`;
      if (rows.length < PAGE_MAX) return;
      after = rows[rows.length - 1].rowNumber;
    }
  }

  async requestCancel(jobId: string): Promise<boolean> {
    const job = await this.store.get(jobId);
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return false;
    await this.store.requestCancel(jobId);
    return true;
  }

  private async withNumbers(rows: RowRecord[]) {
    const numbers = await this.numbers.numbersOf([...new Set(rows.map((row) => row.match!.subjectId))]);
    return rows.map((row) => ({
      row: row.rowNumber,
      outcome: row.outcome,
      ...(row.subjectId ? { subjectId: row.subjectId } : {}),
      match: { ...row.match!, customerNumber: numbers.get(row.match!.subjectId) ?? null },
      ...(row.problems ? { problems: row.problems } : {}),
    }));
  }
}

function errorLines(row: RowRecord) {
  return (row.problems ?? []).map((problem) => ({ row: row.rowNumber, column: problem.column, code: problem.code, message: problem.message }));
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
