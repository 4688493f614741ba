import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, Readable, Transform } from 'node:stream';
import { parse } from 'csv-parse';
import * as ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { CellValue } from './import-columns';

export const IMPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
/** What a caller may name; `gbk` is read as GB18030, its superset. */
export const CSV_ENCODINGS = ['utf-8', 'gb18030', 'gbk'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** How much of a file the encoding is judged on. */
const SAMPLE_BYTES = 1 << 20;

/**
 * A CSV's encoding from its first bytes: a UTF-8 byte-order mark; else UTF-8 if the sample decodes
 * strictly as UTF-8 (a sequence cut at the sample's end is allowed unless the sample is the whole
 * file); else GB18030, which is what Chinese Excel writes ("CSV" saved as ANSI is GBK, a subset).
 */
export function detectEncoding(sample: Uint8Array, wholeFile: boolean): { encoding: 'utf-8' | 'gb18030'; bom: boolean } {
  if (sample.length >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', bom: true };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !wholeFile });
    return { encoding: 'utf-8', bom: false };
  } catch {
    return { encoding: 'gb18030', bom: false };
  }
}

/** Detects a file's encoding from its first MiB. */
export async function detectFileEncoding(path: string): Promise<'utf-8' | 'gb18030'> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await file.read(buffer, 0, SAMPLE_BYTES, 0);
    const { size } = await file.stat();
    return detectEncoding(buffer.subarray(0, bytesRead), bytesRead >= size).encoding;
  } finally {
    await file.close();
  }
}

export interface FileRow {
  /** As a spreadsheet shows it: the header is row 1. */
  rowNumber: number;
  values: CellValue[];
}

/**
 * A file's rows, streamed: the header row first, then the data rows, blank rows left out (their
 * numbers too, so numbers match the spreadsheet). `onBytes` follows how far into the file the
 * reading is. CSV is decoded from `encoding`; xlsx is read from its first worksheet with
 * ExcelJS's streaming reader, never loaded whole.
 */
export async function* readRows(path: string, format: ImportFormat, encoding: 'utf-8' | 'gb18030', onBytes: (bytes: number) => void): AsyncGenerator<FileRow> {
  let bytes = 0;
  const counted = createReadStream(path).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        onBytes(bytes);
        done(null, chunk);
      },
    }),
  );
  if (format === 'csv') {
    yield* csvRows(counted, encoding);
    return;
  }
  yield* xlsxRows(counted);
}

async function* csvRows(input: Readable, encoding: 'utf-8' | 'gb18030'): AsyncGenerator<FileRow> {
  // iconv-lite strips a UTF-8 BOM; relax_column_count: a short or long row is the row's problem, not the file's
  const parser = input.pipe(iconv.decodeStream(encoding)).pipe(parse({ relax_column_count: true, relax_quotes: true, skip_empty_lines: false }));
  let rowNumber = 0;
  for await (const record of parser as AsyncIterable<string[]>) {
    rowNumber++;
    if (record.every((value) => value.trim() === '')) continue;
    yield { rowNumber, values: record };
  }
}

async function* xlsxRows(input: Readable): AsyncGenerator<FileRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input.pipe(new PassThrough()), {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache', // dates are numbers with a date style: the styles say which
    worksheets: 'emit',
    entries: 'emit',
  });
  for await (const worksheet of reader) {
    for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
      const raw = row.values as unknown[];
      const values = raw.slice(1).map(cellValue);
      if (values.every((value) => value === undefined || (typeof value === 'string' && value.trim() === ''))) continue;
      yield { rowNumber: row.number, values };
    }
    return; // the first worksheet only
  }
}

/** A cell's value as text, number or date: rich text joined, a formula's result, a link's text. */
export function cellValue(value: unknown): CellValue {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if (typeof value === 'object') {
    const cell = value as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown; error?: unknown };
    if (cell.richText) return cell.richText.map((part) => part.text).join('');
    if ('result' in cell) return cellValue(cell.result);
    if ('text' in cell) return cellValue(cell.text);
  }
  return undefined;
}
