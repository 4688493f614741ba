import { DomainError } from '../domain-error';

/**
 * A bulk export of customers' data (POST /v1/exports) leaves the ledger as a file: the ledger
 * keeps one event per export so compliance can list them, and a leaked file can be traced by the
 * export id, exporter and time it carries (PIPL Arts. 51, 54). The stream holds no personal
 * information of customers: the filter is summarised by the names of its conditions and only the
 * values that are not personal data (status, classification, assignment, lifecycle stage).
 */
export const EXPORTS_STREAM = 'exports';

export type ExportErrorCode = 'export-too-large' | 'invalid-export';

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_ENCODINGS = ['utf-8', 'gb18030'] as const;
export type ExportEncoding = (typeof EXPORT_ENCODINGS)[number];

/** The conditions of an export's filter: every condition's name, and the values of those that are not personal data. */
export interface ExportFilterSummary {
  conditions: string[];
  status?: string;
  departmentId?: string;
  healthManagerId?: string;
  customerType?: string;
  tier?: string;
  lifecycleStage?: string;
}

export interface ExportProduced {
  type: 'ExportProduced';
  data: {
    exportId: string;
    actor: string;
    roles: string[];
    purposeId: string;
    format: ExportFormat;
    /** CSV only: the text encoding. */
    encoding?: ExportEncoding;
    filter: ExportFilterSummary;
    /** The categories whose values the file holds, and those shown unmasked on request. */
    categories: string[];
    revealed: string[];
    /** Customers in the file (each one access-recorded with this export's id). */
    rowCount: number;
    /** SHA-256 (hex) of the file's bytes as sent, and their number. */
    sha256: string;
    bytes: number;
    /** False when the download was cut off: the file was not sent whole (the rows sent were recorded). */
    complete: boolean;
    exportedAt: string;
    finishedAt: string;
  };
}

export type ExportEvent = ExportProduced;

export interface RecordExport {
  type: 'RecordExport';
  export: ExportProduced['data'];
}

/** Each export is recorded once; its stream is only ever appended to, so no fold is needed to decide. */
export function decideExport(command: RecordExport): ExportEvent[] {
  const { export: produced } = command;
  if (!/^[0-9a-f]{64}$/.test(produced.sha256) || produced.rowCount < 0 || produced.bytes < 0 || !(produced.exportedAt <= produced.finishedAt)) {
    throw new DomainError<ExportErrorCode>('invalid-export', 'an export needs a SHA-256, counts and times in order');
  }
  return [{ type: 'ExportProduced', data: produced }];
}
