import * as ExcelJS from 'exceljs';
import { IMPORT_COLUMNS } from './import-columns';

/** The template's two header rows' first: the Chinese headers; the sheet "说明" names each column's English alias and accepted values. */
const NOTES: Partial<Record<(typeof IMPORT_COLUMNS)[number]['key'], string>> = {
  gender: '男 / 女 / 其他 / 保密 (male, female, other, undisclosed)',
  birthDate: 'YYYY-MM-DD, YYYY/M/D or YYYY年M月D日',
  idType: '居民身份证 (default), 护照, 港澳居民来往内地通行证, 台湾居民来往大陆通行证, 外国人永久居留身份证',
  phone: 'mainland mobile number',
  conditions: 'several separated by ; or 、',
  allergies: 'several separated by ; or 、',
  consentCategories: '身份信息, 证件信息, 联系方式, 工作信息, 健康信息 … or identity, identity_document, contact, employment, health …; separated by ; or 、',
  consentDate: 'when the separate consent was signed: YYYY-MM-DD',
  consentChannel: 'e.g. 纸质表单 (paper form)',
  consentReference: 'the form’s number; no personal data',
  guardianName: 'required for a customer under 14',
};

/** GET /v1/imports/template: the headers of a customer import, in Chinese, with a sheet explaining each column. */
export async function templateXlsx(): Promise<Buffer> {
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

/** The CSV template: UTF-8 with a BOM, which Excel opens as UTF-8. */
export function templateCsv(): Buffer {
  return Buffer.from(`\uFEFF${IMPORT_COLUMNS.map((column) => column.header).join(',')}\r\n`, 'utf8');
}
