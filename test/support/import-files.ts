import { writeFileSync } from 'node:fs';
import * as ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { residentId } from './resident-id';

/** Synthetic import files for the specs: valid checksums, made-up names, phones in an unused range. */
export const IMPORT_HEADERS = [
  '姓名',
  '性别',
  '出生日期',
  '证件类型',
  '证件号码',
  '手机号',
  '邮箱',
  '既往病史',
  '同意类别',
  '同意日期',
  '同意渠道',
  '同意凭证',
  '监护人姓名',
  '监护人关系',
];

export type ImportRow = Array<string | number | Date | undefined>;

/** Row `i` of a clean file (`series`: 0–9, files whose customers must differ): a distinct adult with an ID number, phone and health data, and the separate consent covering them. */
export function cleanRow(i: number, prefix = '导入', series = 0): ImportRow {
  const birth = `19${60 + (i % 40)}-0${1 + (i % 9)}-1${i % 10}`;
  return [
    `${prefix}${i}号`,
    i % 2 ? '男' : '女',
    birth,
    '居民身份证',
    residentId(birth, i % 1000, String(110101 + series * 100 + Math.floor(i / 1000))),
    `13${series}${String(i).padStart(8, '0')}`,
    undefined,
    '高血压',
    '证件信息;健康信息',
    '2024-03-01',
    '纸质表单',
    `F-${i}`,
    undefined,
    undefined,
  ];
}

/** An .xlsx written with ExcelJS's streaming writer (as a large export would be). */
export async function writeXlsx(path: string, headers: string[], rows: ImportRow[]): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  const sheet = workbook.addWorksheet('客户');
  sheet.addRow(headers).commit();
  for (const row of rows) sheet.addRow(row).commit();
  sheet.commit();
  await workbook.commit();
}

/** A CSV in GB18030 (what Chinese Excel saves), or UTF-8 with `encoding: 'utf-8'`. */
export function writeCsv(path: string, headers: string[], rows: ImportRow[], encoding: 'gb18030' | 'utf-8' = 'gb18030'): void {
  const text = [headers, ...rows].map((row) => row.map((value) => (value === undefined ? '' : String(value))).join(',')).join('\r\n');
  writeFileSync(path, encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gb18030'));
}
