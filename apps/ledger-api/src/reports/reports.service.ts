import { Inject, Injectable } from '@nestjs/common';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { healthToken } from '@pi-ledger/read-models/projections/customer-query/customer-query.tokens';
import { vocabularyTokens } from '@pi-ledger/read-models/projections/reports/condition-vocabulary';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Period, ReportDefinition, reportNamed, REPORTS } from '@pi-ledger/read-models/projections/reports/report-definitions';
import { ReportFilters, ReportQueries } from '@pi-ledger/read-models/projections/reports/report-queries';
import { PublishedTable, publishTable } from '@pi-ledger/read-models/projections/reports/report-table';
import { RequestContext } from '../application/request-context';
import { parseReportQuery, ReportFormat } from './report-params';
import { ReportRunRecorder } from './report-run.recorder';
import { REPORT_MIN_CELL } from './report-min-cell';

export interface PublishedReport {
  report: string;
  runId: string;
  period: Period;
  filters: ReportFilters;
  /** Cells counting fewer customers than this are suppressed. */
  minCell: number;
  table: PublishedTable;
}

/** The catalogue entry of a report: what it can be asked. */
export function catalogueEntry(report: ReportDefinition) {
  return {
    name: report.name,
    rows: report.rows,
    columns: report.columns ?? null,
    measures: report.measures.map(({ key, unit }) => ({ key, unit })),
    filters: ['department', 'customerType', 'tier', 'region', ...Object.keys(report.recordFilters ?? {})],
    formats: ['json', 'csv', 'xlsx'],
  };
}

@Injectable()
export class ReportsService {
  constructor(
    private readonly queries: ReportQueries,
    private readonly runs: ReportRunRecorder,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(REPORT_MIN_CELL) private readonly minCell: number,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
  ) {}

  catalogue() {
    return { minCell: this.minCell, reports: REPORTS.map(catalogueEntry) };
  }

  /** Checks the query, computes and suppresses the table, records the run, and only then answers. */
  async run(context: RequestContext, name: string, query: Record<string, unknown>, accept: string | undefined): Promise<{ report: PublishedReport; format: ReportFormat }> {
    const definition = reportNamed(name);
    if (!definition) throw new DomainError('report-not-found', 'no report of that name; GET /v1/reports lists them');
    const { request, format } = parseReportQuery(definition, query, this.clock(), accept);
    // the vocabulary's terms as the customer_query projection keeps conditions: keyed tokens, matched without any term in clear
    if (definition.terms === 'conditions') request.terms = vocabularyTokens((term) => healthToken(this.vault, 'conditions', term));
    const table = publishTable(await this.queries.table(definition, request), this.minCell);
    const runId = await this.runs.record(context, {
      report: name,
      from: request.period.from,
      to: request.period.to,
      rows: request.rows,
      columns: request.columns,
      filters: request.filters,
      format,
      minCell: this.minCell,
      ranAt: request.now,
    });
    return { report: { report: name, runId, period: request.period, filters: request.filters, minCell: this.minCell, table }, format };
  }
}
