import * as ExcelJS from 'exceljs';
import { cellText, ReportCell } from '@pi-ledger/read-models/projections/reports/report-table';
import type { PublishedReport } from './reports.service';

/**
 * A report as a sheet: a header (the row dimension, each column, `total`, each measure), one line
 * per row and a `total` line; suppressed cells as "<5". Below, after an empty line, what it is:
 * report, period, filters, the threshold k.
 */
function sheetOf(report: PublishedReport): { table: Array<Array<ReportCell | string>>; about: string[][] } {
  const { table } = report;
  const header = [table.rowDimension, ...table.columns, 'total', ...table.measures.map((measure) => measure.key)];
  const line = (key: string, row: Omit<PublishedReport['table']['rows'][number], 'key'>) => [
    key,
    ...row.cells,
    row.total,
    ...table.measures.map((measure) => row.measures[measure.key]),
  ];
  return {
    table: [header, ...table.rows.map((row) => line(row.key, row)), line('total', table.total)],
    about: [
      ['report', report.report],
      ['from', report.period.from],
      ['to', report.period.to],
      ...Object.entries(report.filters).map(([name, value]) => [name, String(value)]),
      ['columns', table.columnDimension ?? 'none'],
      ['minCell', String(report.minCell)],
      ['suppressed', `cells counting fewer than ${report.minCell} customers, and cells that would reveal them, show as <${report.minCell}`],
    ],
  };
}

/** A text that a spreadsheet would take for a formula (a region typed as "=…") is kept as text by a leading apostrophe. */
const inert = (value: string) => (/^[=+@\t\r]|^-(?!\d)/.test(value) ? `'${value}` : value);
const text = (value: ReportCell | string) => (typeof value === 'string' ? inert(value) : cellText(value));

/** CSV (RFC 4180, CRLF) with a BOM, which Excel opens as UTF-8. */
export function reportCsv(report: PublishedReport): Buffer {
  const { table, about } = sheetOf(report);
  const quote = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const lines = [...table.map((row) => row.map(text)), [], ...about].map((row) => row.map(quote).join(','));
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** XLSX: the table on sheet "report" (numbers as numbers, "<5" as text), what it is on sheet "about". */
export async function reportXlsx(report: PublishedReport): Promise<Buffer> {
  const { table, about } = sheetOf(report);
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('report');
  for (const row of table) sheet.addRow(row.map((value) => (typeof value === 'string' ? inert(value) : 'suppressed' in value ? value.display : value.value)));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(table.length).font = { bold: true };
  sheet.getColumn(1).width = 24;
  const notes = workbook.addWorksheet('about');
  for (const row of about) notes.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
