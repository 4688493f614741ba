import * as ExcelJS from 'exceljs';
import { IMPORT_COLUMNS } from './import-columns';
import { ImportKind, isRecordKind, RECORD_KIND_SPECS, RecordKindSpec } from './import-record-kinds';

/** The template's two header rows' first: the Chinese headers; the sheet "说明" names each column's English alias and accepted values. */
const NOTES: Partial<Record<(typeof IMPORT_COLUMNS)[number]['key'], string>> = {
  gender: '男 / 女 / 其他 / 保密 (male, female, other, undisclosed)',
  birthDate: 'YYYY-MM-DD, YYYY/M/D or YYYY年M月D日',
  idNumber: '敏感个人信息：同一行的同意类别须含 证件信息，否则该行被拒绝 (sensitive: the row needs 证件信息 / identity_document in 同意类别, else separate-consent-required)',
  idType: '居民身份证 (default), 护照, 港澳居民来往内地通行证, 台湾居民来往大陆通行证, 外国人永久居留身份证',
  phone: 'mainland mobile number',
  conditions: '敏感个人信息：同意类别须含 健康信息 (sensitive: needs 健康信息 / health in 同意类别); several separated by ; or 、',
  allergies: '敏感个人信息：同意类别须含 健康信息 (sensitive: needs 健康信息 / health in 同意类别); several separated by ; or 、',
  consentCategories:
    '客户单独同意的类别；证件号码、病史、过敏史等敏感信息须列入 (the categories the customer separately consented to: every sensitive one the row fills): 身份信息, 证件信息, 联系方式, 工作信息, 健康信息 … or identity, identity_document, contact, employment, health …; separated by ; or 、',
  consentDate: 'when the separate consent was signed: YYYY-MM-DD',
  consentChannel: 'e.g. 纸质表单 (paper form)',
  consentReference: 'the form’s number; no personal data',
  guardianName: 'required for a customer under 14',
};

/** GET /v1/imports/template: the headers of an import of `kind`, in Chinese, with a sheet explaining each column. */
export async function templateXlsx(kind: ImportKind = 'customers'): Promise<Buffer> {
  if (isRecordKind(kind)) return recordTemplateXlsx(RECORD_KIND_SPECS[kind]);
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('客户');
  sheet.addRow(IMPORT_COLUMNS.map((column) => column.header));
  sheet.getRow(1).font = { bold: true };
  IMPORT_COLUMNS.forEach((column, index) => {
    sheet.getColumn(index + 1).width = Math.max(12, column.header.length * 3);
    // ID numbers and phone numbers as text: a number cell would lose an 18-digit ID's last digits
    if (column.key === 'idNumber' || column.key === 'phone') sheet.getColumn(index + 1).numFmt = '@';
  });
  const notes = workbook.addWorksheet('说明');
  notes.addRow(['列 (column)', 'English alias', '说明 (notes)']);
  for (const column of IMPORT_COLUMNS) notes.addRow([column.header, column.aliases[0], NOTES[column.key] ?? '']);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function recordTemplateXlsx(spec: RecordKindSpec): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(spec.label);
  sheet.addRow(spec.columns.map((column) => column.header));
  sheet.getRow(1).font = { bold: true };
  spec.columns.forEach((column, index) => {
    sheet.getColumn(index + 1).width = Math.max(12, column.header.length * 3);
    if (column.key === 'idNumber' || column.key === 'customerNumber' || column.key === 'code') sheet.getColumn(index + 1).numFmt = '@';
  });
  const notes = workbook.addWorksheet('说明');
  notes.addRow(['列 (column)', 'English alias', '说明 (notes)']);
  const customer = '客户编号 or 证件号码 (or both): the customer must exist';
  for (const column of spec.columns)
    notes.addRow([column.header, column.aliases[0], spec.notes[column.key] ?? (column.key === 'customerNumber' || column.key === 'idNumber' ? customer : '')]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The CSV template: UTF-8 with a BOM, which Excel opens as UTF-8. */
export function templateCsv(kind: ImportKind = 'customers'): Buffer {
  const columns = isRecordKind(kind) ? RECORD_KIND_SPECS[kind].columns : IMPORT_COLUMNS;
  return Buffer.from(`\uFEFF${columns.map((column) => column.header).join(',')}\r\n`, 'utf8');
}
