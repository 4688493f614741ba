import { CATEGORIES, CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';

/**
 * The columns of a customer export: a few fixed ones that are not category data (ids, status,
 * lifecycle stage), then one per field of each exported category, keyed `category.field`, headed
 * in Chinese (what the centre's staff read; `headers: "keys"` gives the keys instead). Contact is
 * exported as its lists (several phones and addresses, contact.ts), never the older single values.
 */
export interface ExportColumn {
  key: string;
  header: string;
  category: Category | null;
  field: string;
}

export const FIXED_COLUMNS: readonly ExportColumn[] = [
  { key: 'subjectId', header: '客户ID', category: null, field: 'subjectId' },
  { key: 'customerNumber', header: '客户编号', category: null, field: 'customerNumber' },
  { key: 'status', header: '状态', category: null, field: 'status' },
  { key: 'lifecycleStage', header: '生命周期阶段', category: null, field: 'lifecycleStage' },
];

const HEADERS: { readonly [C in Category]: Partial<Record<(typeof CATEGORIES)[C]['fields'][number], string>> } = {
  identity: { name: '姓名', gender: '性别', birthDate: '出生日期', ethnicity: '民族' },
  identity_document: { type: '证件类型', number: '证件号码' },
  contact: { phones: '电话', email: '邮箱', addresses: '地址' },
  employment: { employer: '工作单位', title: '职务' },
  demographics: { maritalStatus: '婚姻状况', education: '学历' },
  health: { conditions: '既往病史', allergies: '过敏史', surgeries: '手术史', medications: '用药', lifestyle: '生活方式', goals: '健康目标' },
  health_records: { exams: '体检记录' },
  consumption: { purchases: '消费记录' },
  service_interactions: { services: '服务记录', surveys: '满意度调查', complaints: '投诉' },
  preferences: { marketingChannels: '营销渠道', interests: '兴趣' },
  customer_profile: { customerType: '客户类型', tier: '客户等级', tags: '标签', remarks: '备注' },
};

/** Every category's columns, in the registry's order of categories and fields. */
export const CATEGORY_COLUMNS: readonly ExportColumn[] = CATEGORY_NAMES.flatMap((category) =>
  Object.entries(HEADERS[category] as Record<string, string>).map(([field, header]) => ({ key: `${category}.${field}`, header, category, field })),
);

export const COLUMN_KEYS: readonly string[] = CATEGORY_COLUMNS.map((column) => column.key);

/** The columns of an export: the fixed ones, then `columns` (by key) if given, else every column of `categories`. */
export function exportColumns(categories: readonly Category[], columns: readonly string[] | undefined): ExportColumn[] {
  const chosen =
    columns === undefined ? CATEGORY_COLUMNS.filter((column) => categories.includes(column.category!)) : CATEGORY_COLUMNS.filter((column) => columns.includes(column.key));
  return [...FIXED_COLUMNS, ...chosen];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A value as one spreadsheet cell: lists joined by "; ", a phone by its number, an address by its
 * parts, any other object as "key: value" pairs.
 */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(cellText).filter(Boolean).join('; ');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (!isObject(value)) return '';
  if (typeof value.number === 'string') return typeof value.extension === 'string' ? `${value.number} ext ${value.extension}` : value.number;
  const address = ['country', 'province', 'city', 'district', 'line'].map((part) => value[part]).filter((part): part is string => typeof part === 'string' && part !== '');
  if (address.length > 0) return [...new Set(address)].join(' ');
  return Object.entries(value)
    .filter(([, member]) => member !== undefined && member !== null && member !== '')
    .map(([key, member]) => `${key}: ${cellText(member)}`)
    .join(', ');
}

/**
 * A CSV cell that a spreadsheet would take for a formula (=, @, a tab or carriage return first, or
 * + and - followed by anything but a number: a name like "=HYPERLINK(…)") is prefixed with an
 * apostrophe, so opening the file runs nothing (OWASP "CSV injection"). Phone numbers (+86…) and
 * negative numbers are left as they are.
 */
export function csvSafe(text: string): string {
  if (/^[=@\t\r]/.test(text) || (/^[+-]/.test(text) && !/^[+-][\d\s*().;+-]*$/.test(text))) return `'${text}`;
  return text;
}
