import { CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';
import { DOCUMENT_TYPES } from '../subjects/subject-data.dto';

/**
 * The customer import's columns: a stable key, the template's Chinese header, English aliases, and
 * where the value goes in a registration (POST /v1/subjects's body). Headers are matched after
 * normalising (trimmed, lower case, no spaces, underscores, hyphens or full-width parentheses), so
 * "出生日期", "Birth date" and "birth_date" are one column.
 */
export const IMPORT_COLUMNS = [
  { key: 'name', header: '姓名', aliases: ['name', 'full name', '客户姓名'], path: 'data.identity.name' },
  { key: 'gender', header: '性别', aliases: ['gender', 'sex'], path: 'data.identity.gender' },
  { key: 'birthDate', header: '出生日期', aliases: ['birth date', 'birthdate', 'date of birth', 'dob'], path: 'data.identity.birthDate' },
  { key: 'ethnicity', header: '民族', aliases: ['ethnicity'], path: 'data.identity.ethnicity' },
  { key: 'idType', header: '证件类型', aliases: ['id type', 'document type'], path: 'data.identity_document.type' },
  { key: 'idNumber', header: '证件号码', aliases: ['id number', 'document number', '身份证号', '身份证号码'], path: 'data.identity_document.number' },
  { key: 'phone', header: '手机号', aliases: ['phone', 'mobile', '手机', '手机号码', '联系电话'], path: 'data.contact.phone' },
  { key: 'email', header: '邮箱', aliases: ['email', 'e-mail', '电子邮箱'], path: 'data.contact.email' },
  { key: 'province', header: '省份', aliases: ['province', '省'], path: 'data.contact.address.province' },
  { key: 'city', header: '城市', aliases: ['city', '市'], path: 'data.contact.address.city' },
  { key: 'district', header: '区县', aliases: ['district', '区'], path: 'data.contact.address.district' },
  { key: 'address', header: '详细地址', aliases: ['address', '地址'], path: 'data.contact.address.line' },
  { key: 'employer', header: '工作单位', aliases: ['employer', '单位'], path: 'data.employment.employer' },
  { key: 'conditions', header: '既往病史', aliases: ['conditions', 'medical history', '病史'], path: 'data.health.conditions' },
  { key: 'allergies', header: '过敏史', aliases: ['allergies'], path: 'data.health.allergies' },
  { key: 'consentCategories', header: '同意类别', aliases: ['consent categories', 'consent'], path: 'consents[0].categories' },
  { key: 'consentDate', header: '同意日期', aliases: ['consent date'], path: 'consents[0].evidence.givenOn' },
  { key: 'consentChannel', header: '同意渠道', aliases: ['consent channel'], path: 'consents[0].evidence.channel' },
  { key: 'consentReference', header: '同意凭证', aliases: ['consent reference', 'consent evidence'], path: 'consents[0].evidence.reference' },
  { key: 'guardianName', header: '监护人姓名', aliases: ['guardian name', 'guardian'], path: 'consents[0].guardian.name' },
  { key: 'guardianRelation', header: '监护人关系', aliases: ['guardian relation'], path: 'consents[0].guardian.relation' },
] as const;

export type ColumnKey = (typeof IMPORT_COLUMNS)[number]['key'];
export const COLUMN_KEYS: readonly ColumnKey[] = IMPORT_COLUMNS.map((column) => column.key);

/** A column mapping: the file's header → a column key or template header, or null to ignore the column. */
export type ColumnMapping = Record<string, string | null>;

/** A problem of one row, named by the file's column: never the value. */
export interface RowProblem {
  column: string | null;
  code: string;
  message: string;
}

const normalise = (header: string) =>
  header
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s_\-()（）]/g, '');

/** A column of an import kind: a stable key, the template's Chinese header, English aliases. */
export interface ImportColumn<K extends string = string> {
  readonly key: K;
  readonly header: string;
  readonly aliases: readonly string[];
}

const NAMES = new WeakMap<readonly ImportColumn[], Map<string, string>>();

function namesOf(columns: readonly ImportColumn[]): Map<string, string> {
  let names = NAMES.get(columns);
  if (!names) {
    names = new Map(columns.flatMap((column) => [column.key, column.header, ...column.aliases].map((name) => [normalise(name), column.key] as const)));
    NAMES.set(columns, names);
  }
  return names;
}

/** The column key a mapping target names (a key, template header or alias), or undefined. */
export function columnKeyOf<K extends string = ColumnKey>(
  name: string,
  columns: readonly ImportColumn<K>[] = IMPORT_COLUMNS as unknown as readonly ImportColumn<K>[],
): K | undefined {
  return namesOf(columns).get(normalise(name)) as K | undefined;
}

export interface HeaderLayout<K extends string = ColumnKey> {
  /** Index in the row → column key. */
  columns: Map<number, K>;
  /** Column key → the header as the file writes it (for reports). */
  headers: Map<K, string>;
  /** Headers neither known nor mapped: their values are not imported. */
  unknown: string[];
  /** A mapping that names a column that does not exist, or two headers on one column. */
  problems: Array<{ path: string; message: string }>;
}

/** Reads the header row with the job's mapping, against the kind's columns (default: the customers'). */
export function layoutOf<K extends string = ColumnKey>(
  headerRow: readonly string[],
  mapping: ColumnMapping = {},
  columns: readonly ImportColumn<K>[] = IMPORT_COLUMNS as unknown as readonly ImportColumn<K>[],
): HeaderLayout<K> {
  const mapped = new Map(Object.entries(mapping).map(([header, target]) => [normalise(header), target]));
  const layout: HeaderLayout<K> = { columns: new Map(), headers: new Map(), unknown: [], problems: [] };
  headerRow.forEach((raw, index) => {
    const header = raw.trim();
    if (header === '') return;
    const target = mapped.has(normalise(header)) ? mapped.get(normalise(header)) : header;
    if (target === null || target === undefined) return; // mapped to nothing: ignored on purpose
    const key = columnKeyOf(target, columns);
    if (!key) {
      if (mapped.has(normalise(header))) layout.problems.push({ path: `mapping.${header}`, message: 'names no import column' });
      else layout.unknown.push(header);
      return;
    }
    if (layout.headers.has(key)) {
      layout.problems.push({ path: `columns.${header}`, message: `is a second column for ${key}` });
      return;
    }
    layout.columns.set(index, key);
    layout.headers.set(key, header);
  });
  return layout;
}

const GENDERS: Record<string, string> = { 男: 'male', 女: 'female', 其他: 'other', 未知: 'undisclosed', 不详: 'undisclosed', 保密: 'undisclosed', m: 'male', f: 'female' };
const DOCUMENTS: Record<string, string> = {
  居民身份证: 'resident_id',
  身份证: 'resident_id',
  护照: 'passport',
  港澳居民来往内地通行证: 'hk_macao_permit',
  港澳通行证: 'hk_macao_permit',
  回乡证: 'hk_macao_permit',
  台湾居民来往大陆通行证: 'taiwan_permit',
  台胞证: 'taiwan_permit',
  外国人永久居留身份证: 'foreign_permanent_resident_id',
  ...Object.fromEntries(DOCUMENT_TYPES.map((type) => [type, type])),
};
const CATEGORY_LABELS: Record<string, Category> = {
  身份信息: 'identity',
  基本信息: 'identity',
  证件信息: 'identity_document',
  联系方式: 'contact',
  工作信息: 'employment',
  人口信息: 'demographics',
  健康信息: 'health',
  健康: 'health',
  健康档案: 'health_records',
  体检记录: 'health_records',
  消费记录: 'consumption',
  服务记录: 'service_interactions',
  偏好: 'preferences',
  ...Object.fromEntries(CATEGORY_NAMES.map((name) => [name, name])),
};

/** The job's lawful basis: every row is registered under it. */
export interface ImportBasis {
  purposeId: string;
  noticeVersion: string;
  channel: string;
}

/** A registration's body as POST /v1/subjects takes it. */
export interface RegistrationBody {
  purposeId: string;
  noticeVersion: string;
  channel: string;
  consents: Array<{
    purposeId: string;
    categories: string[];
    separate: boolean;
    guardian?: { name: string; relation: string };
    evidence?: { givenOn: string; channel?: string; reference?: string };
  }>;
  data: Record<string, Record<string, unknown>>;
}

export type CellValue = string | number | boolean | Date | null | undefined;

/**
 * One row → the registration it stands for, or the problems that keep it from being one. Only the
 * shape is checked here (dates readable, known codes); the registration's own validation and rules
 * judge the rest, exactly as for POST /v1/subjects. A row's consent columns are the evidence of a
 * separate consent (a signed form) to the job's purpose for the categories listed.
 */
export function rowToRegistration(
  cells: ReadonlyMap<ColumnKey, CellValue>,
  basis: ImportBasis,
  headerOf: (key: ColumnKey) => string,
): { body?: RegistrationBody; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const invalid = (key: ColumnKey, message: string) => problems.push({ column: headerOf(key), code: 'validation-failed', message });
  const text = (key: ColumnKey): string | undefined => {
    const value = cells.get(key);
    if (value === null || value === undefined) return undefined;
    const string = value instanceof Date ? dateOf(value) : String(value).trim();
    return string === '' ? undefined : string;
  };
  const date = (key: ColumnKey): string | undefined => {
    const value = cells.get(key);
    if (value instanceof Date) return dateOf(value);
    const raw = text(key);
    if (raw === undefined) return undefined;
    const parsed = parseDate(raw);
    if (!parsed) invalid(key, 'must be a date (YYYY-MM-DD, YYYY/M/D or YYYY年M月D日)');
    return parsed;
  };
  const list = (key: ColumnKey) =>
    text(key)
      ?.split(/[;；,，、|]/)
      .map((item) => item.trim())
      .filter(Boolean);

  const data: Record<string, Record<string, unknown>> = {};
  const set = (category: string, field: string, value: unknown) => {
    if (value !== undefined) (data[category] ??= {})[field] = value;
  };
  set('identity', 'name', text('name'));
  const gender = text('gender');
  if (gender !== undefined) set('identity', 'gender', GENDERS[gender.toLowerCase()] ?? gender.toLowerCase());
  set('identity', 'birthDate', date('birthDate'));
  set('identity', 'ethnicity', text('ethnicity'));
  const idNumber = text('idNumber');
  const idType = text('idType');
  if (idType !== undefined && !DOCUMENTS[idType] && !DOCUMENTS[idType.toLowerCase()]) invalid('idType', 'is not a known document type');
  if (idNumber !== undefined) {
    set('identity_document', 'type', idType === undefined ? 'resident_id' : (DOCUMENTS[idType] ?? DOCUMENTS[idType.toLowerCase()]));
    set('identity_document', 'number', idNumber);
  } else if (idType !== undefined) invalid('idNumber', 'is required with a document type');
  set('contact', 'phone', text('phone'));
  set('contact', 'email', text('email'));
  const address = Object.fromEntries(
    (['province', 'city', 'district', 'address'] as const).flatMap((key) => (text(key) === undefined ? [] : [[key === 'address' ? 'line' : key, text(key)]])),
  );
  if (Object.keys(address).length > 0) set('contact', 'address', address);
  set('employment', 'employer', text('employer'));
  set('health', 'conditions', list('conditions'));
  set('health', 'allergies', list('allergies'));

  const consents: RegistrationBody['consents'] = [];
  const categories = list('consentCategories');
  const givenOn = date('consentDate');
  const guardianName = text('guardianName');
  const guardianRelation = text('guardianRelation');
  if (categories) {
    const known = categories.map((label) => CATEGORY_LABELS[label] ?? CATEGORY_LABELS[label.toLowerCase()]);
    if (known.some((category) => category === undefined)) invalid('consentCategories', 'names a category that does not exist');
    if (givenOn === undefined && !problems.some((problem) => problem.column === headerOf('consentDate')))
      invalid('consentDate', 'is required with consent categories: when the consent was given');
    const reference = text('consentReference');
    const channel = text('consentChannel');
    if (guardianName !== undefined && guardianRelation === undefined) invalid('guardianRelation', 'is required with a guardian');
    if (guardianRelation !== undefined && guardianName === undefined) invalid('guardianName', 'is required with a guardian’s relation');
    consents.push({
      purposeId: basis.purposeId,
      categories: [...new Set(known)],
      separate: true,
      ...(guardianName !== undefined && guardianRelation !== undefined ? { guardian: { name: guardianName, relation: guardianRelation } } : {}),
      ...(givenOn ? { evidence: { givenOn, ...(channel ? { channel } : {}), ...(reference ? { reference } : {}) } } : {}),
    });
  } else {
    for (const key of ['consentDate', 'consentChannel', 'consentReference', 'guardianName'] as const)
      if (text(key) !== undefined) invalid('consentCategories', `is required with ${headerOf(key)}`);
  }
  if (Object.keys(data).length === 0 && problems.length === 0) problems.push({ column: null, code: 'validation-failed', message: 'the row holds no customer data' });
  if (problems.length > 0) return { problems };
  return { body: { purposeId: basis.purposeId, noticeVersion: basis.noticeVersion, channel: basis.channel, consents, data }, problems };
}

/** The column a registration's problem path (e.g. `data.contact.phone`, `consents[0].guardian`) belongs to. */
export function columnOfPath(path: string): ColumnKey | undefined {
  let best: { key: ColumnKey; length: number } | undefined;
  for (const column of IMPORT_COLUMNS) {
    if ((path === column.path || path.startsWith(`${column.path}.`) || path.startsWith(`${column.path}[`)) && column.path.length > (best?.length ?? 0)) {
      best = { key: column.key, length: column.path.length };
    }
  }
  if (best) return best.key;
  // a path above the columns (data.contact.address, consents[0].guardian): the first column under it
  return IMPORT_COLUMNS.find((column) => column.path.startsWith(`${path}.`) || column.path.startsWith(`${path}[`))?.key;
}

/** YYYY-MM-DD from a written date; the day is not checked here (the registration refuses 2023-02-30). */
export function parseDate(raw: string): string | undefined {
  const match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(raw.normalize('NFKC').trim()) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(raw.trim());
  if (!match) return undefined;
  return `${match[1]}-${match[2].padStart(2, '0')}-${match[3].padStart(2, '0')}`;
}

/** A spreadsheet's date cell: a day, stored as midnight UTC. */
function dateOf(value: Date): string {
  return value.toISOString().slice(0, 10);
}
