import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import * as ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type { ExportEncoding, ExportFormat } from '@pi-ledger/ledger-domain/exports/export-produced';
import { csvSafe } from './export-columns';

/** One sheet written row by row into `out`, never held whole: each row waits until `out` can take more. */
export interface SheetWriter {
  row(cells: readonly string[]): Promise<void>;
  /** Writes what is left and ends `out`. */
  end(): Promise<void>;
}

/** What a file says about itself, so that a leaked copy can be traced: the export, who made it, when, and why. */
export interface FileTrace {
  exportId: string;
  exporter: string;
  exportedAt: Date;
  purposeId: string;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function sheetWriter(format: ExportFormat, encoding: ExportEncoding, out: Writable, trace: FileTrace): SheetWriter {
  return format === 'csv' ? csvWriter(encoding, out) : xlsxWriter(out, trace);
}

/** Until `out` takes more, or is gone (a client that went away never drains it). */
async function drained(out: Writable): Promise<void> {
  if (!out.writableNeedDrain || out.destroyed) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}

/**
 * CSV as Chinese Excel opens it: UTF-8 with a byte-order mark (without one Excel reads GBK), or
 * GB18030 on request for older tools; CRLF line ends; cells that would run as formulas defused.
 */
function csvWriter(encoding: ExportEncoding, out: Writable): SheetWriter {
  const encode = (text: string) => (encoding === 'gb18030' ? iconv.encode(text, 'gb18030') : Buffer.from(text, 'utf8'));
  let started = false;
  return {
    async row(cells) {
      const line = encode(stringify([cells.map(csvSafe)], { record_delimiter: 'windows' }));
      const first = !started && encoding === 'utf-8';
      started = true;
      out.write(first ? Buffer.concat([UTF8_BOM, line]) : line);
      await drained(out);
    },
    async end() {
      out.end();
      await Promise.resolve();
    },
  };
}

/**
 * XLSX through exceljs's streaming WorkbookWriter: rows are committed as they come and zipped into
 * `out` (no shared-strings table, which would keep every value in memory). The workbook's
 * properties name the export, exporter and time as well as the footer row does.
 */
function xlsxWriter(out: Writable, trace: FileTrace): SheetWriter {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const exportedAt = trace.exportedAt;
  Object.assign(workbook, {
    creator: trace.exporter,
    lastModifiedBy: trace.exporter,
    created: exportedAt,
    modified: exportedAt,
    title: `pi-ledger export ${trace.exportId}`,
    subject: `purpose ${trace.purposeId}`,
    keywords: `pi-ledger-export ${trace.exportId}`,
    description: `Exported by ${trace.exporter} at ${exportedAt.toISOString()} for ${trace.purposeId}; export ${trace.exportId}. Recorded in the ledger (GET /v1/exports).`,
  });
  const sheet = workbook.addWorksheet('customers');
  return {
    async row(cells) {
      sheet.addRow([...cells]).commit();
      await drained(out);
    },
    async end() {
      sheet.commit();
      await workbook.commit();
    },
  };
}
