import { ORDER_ITEM_KINDS, PAYMENT_METHODS } from '@pi-ledger/ledger-domain/orders/order.events';
import { SERVICE_TYPES } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import { RecordCheckupDto } from '../checkups/checkups.dto';
import { PlaceOrderDto } from '../orders/orders.dto';
import { RecordServiceDto } from '../service-records/service-records.dto';
import { CellValue, ImportColumn, parseDate, RowProblem } from './import-columns';

/** The kinds of record imported for existing customers (issue #15 item 1): each row names its customer by number or ID number. */
export const RECORD_KINDS = ['checkups', 'orders', 'services'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];
export const IMPORT_KINDS = ['customers', ...RECORD_KINDS] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const isRecordKind = (kind: ImportKind): kind is RecordKind => kind !== 'customers';

/** How a record row names its customer: either column, or both (then they must name the same customer). */
const CUSTOMER_COLUMNS = [
  { key: 'customerNumber', header: '客户编号', aliases: ['customer number', 'customer no', '客户号', '会员编号'] },
  { key: 'idNumber', header: '证件号码', aliases: ['id number', 'document number', '身份证号', '身份证号码'] },
] as const satisfies readonly ImportColumn[];
export const CUSTOMER_KEYS = ['customerNumber', 'idNumber'] as const;

/** One row's cells, read by column key: text trimmed (empty is absent); a date as YYYY-MM-DD or a problem. */
export interface RowCells {
  rowNumber: number;
  text(key: string): string | undefined;
  date(key: string): string | undefined;
  number(key: string): number | undefined;
  invalid(key: string, message: string): void;
}

/** The rows of one record → the body of the API's command (its purpose added by the job), problems reported through the cells. */
export interface RecordKindSpec {
  kind: RecordKind;
  /** The template's sheet name and the word for one record in messages. */
  label: string;
  columns: readonly ImportColumn[];
  /** Notes of the template's 说明 sheet. */
  notes: Record<string, string>;
  /** Consecutive rows with the same key (and customer) are one record; absent: every row is one. */
  groupKey?: (cells: RowCells) => string | undefined;
  dto: new () => object;
  build(rows: readonly RowCells[]): Record<string, unknown>;
  /** A problem path of the command's body (`results[2].value`) → the row of the group and the column it concerns. */
  columnOfPath(path: string, rows: readonly RowCells[]): { row: number; key: string } | undefined;
}

const YES = new Set(['是', 'y', 'yes', 'true', '1', '异常', '↑', '↓', 'h', 'l', '阳性', '+']);
const NO = new Set(['否', 'n', 'no', 'false', '0', '正常', '阴性', '-']);

/** "3.9-6.1", "3.9~6.1", "<5.2", "≥1.0" → low/high where readable, and always the text as written. */
function referenceRange(text: string | undefined): { low?: number; high?: number; text?: string } | undefined {
  if (text === undefined) return undefined;
  const normal = text.normalize('NFKC').replace(/\s/g, '');
  const between = /^(-?\d+(?:\.\d+)?)[-~～至](-?\d+(?:\.\d+)?)$/.exec(normal);
  if (between) return { low: Number(between[1]), high: Number(between[2]), text };
  const above = /^[>≥]=?(-?\d+(?:\.\d+)?)$/.exec(normal);
  if (above) return { low: Number(above[1]), text };
  const below = /^[<≤]=?(-?\d+(?:\.\d+)?)$/.exec(normal);
  if (below) return { high: Number(below[1]), text };
  return { text };
}

const NUMERIC = /^[-+]?\d+(?:\.\d+)?$/;

/** `results[3].unit` → 3 and `unit`. */
const indexed = (path: string, list: string): { index: number; rest: string } | undefined => {
  const match = new RegExp(`^${list}\\[(\\d+)\\](?:\\.(\\w+))?`).exec(path);
  return match ? { index: Number(match[1]), rest: match[2] ?? '' } : undefined;
};

const CHECKUP_COLUMNS = [
  ...CUSTOMER_COLUMNS,
  { key: 'visitDate', header: '体检日期', aliases: ['visit date', 'checkup date', '检查日期'] },
  { key: 'institution', header: '体检机构', aliases: ['institution', '机构'] },
  { key: 'package', header: '体检套餐', aliases: ['package', '套餐'] },
  { key: 'code', header: '项目代码', aliases: ['indicator code', 'code', '指标代码'] },
  { key: 'name', header: '项目名称', aliases: ['indicator', 'indicator name', '指标名称'] },
  { key: 'value', header: '结果', aliases: ['value', 'result', '检查结果'] },
  { key: 'unit', header: '单位', aliases: ['unit'] },
  { key: 'range', header: '参考范围', aliases: ['reference range', '参考值'] },
  { key: 'abnormal', header: '异常标志', aliases: ['abnormal', 'flag', '异常'] },
  { key: 'conclusion', header: '结论', aliases: ['conclusion', '总检结论'] },
] as const satisfies readonly ImportColumn[];

const RESULT_FIELDS: Record<string, string> = { code: 'code', name: 'name', value: 'value', unit: 'unit', referenceRange: 'range', abnormal: 'abnormal' };

const checkups: RecordKindSpec = {
  kind: 'checkups',
  label: '体检结果',
  columns: CHECKUP_COLUMNS,
  notes: {
    visitDate: 'YYYY-MM-DD; consecutive rows of one customer, date, institution and package are one visit',
    code: 'one indicator a row: the centre’s or LOINC code',
    value: 'a number, or a text (阴性)',
    range: '3.9-6.1, <5.2 or a text',
    abnormal: '是/否 (yes/no), ↑ ↓; empty: computed from a number and its range',
    conclusion: 'the visit’s conclusions, one a row (any row of the visit)',
  },
  groupKey: (cells) => [cells.text('visitDate'), cells.text('institution'), cells.text('package')].join('\u0000'),
  dto: RecordCheckupDto,
  build(rows) {
    const [first] = rows;
    const results = rows
      .filter((row) => ['code', 'name', 'value'].some((key) => row.text(key) !== undefined))
      .map((row) => {
        const raw = row.text('value');
        const numeric = row.number('value');
        const flag = row.text('abnormal')?.toLowerCase();
        if (flag !== undefined && !YES.has(flag) && !NO.has(flag)) row.invalid('abnormal', 'must be 是 or 否 (yes or no)');
        const range = referenceRange(row.text('range'));
        return {
          code: row.text('code'),
          name: row.text('name'),
          value: numeric ?? raw,
          ...(row.text('unit') === undefined ? {} : { unit: row.text('unit') }),
          ...(range ? { referenceRange: range } : {}),
          ...(flag === undefined || (!YES.has(flag) && !NO.has(flag)) ? {} : { abnormal: YES.has(flag) }),
        };
      });
    const conclusions = [...new Set(rows.map((row) => row.text('conclusion')).filter((text): text is string => text !== undefined))];
    return {
      visitDate: first.date('visitDate'),
      institution: first.text('institution'),
      ...(first.text('package') === undefined ? {} : { package: first.text('package') }),
      results,
      conclusions,
    };
  },
  columnOfPath(path, rows) {
    const withResult = rows.filter((row) => ['code', 'name', 'value'].some((key) => row.text(key) !== undefined));
    const result = indexed(path, 'results');
    if (result) return { row: rows.indexOf(withResult[result.index] ?? rows[0]), key: RESULT_FIELDS[result.rest] ?? 'code' };
    const conclusion = indexed(path, 'conclusions');
    if (conclusion)
      return {
        row: Math.max(
          0,
          rows.findIndex((row) => row.text('conclusion') !== undefined),
        ),
        key: 'conclusion',
      };
    if (path === 'results') return { row: 0, key: 'code' };
    return ['visitDate', 'institution', 'package'].includes(path) ? { row: 0, key: path } : undefined;
  },
};

const ORDER_COLUMNS = [
  ...CUSTOMER_COLUMNS,
  { key: 'orderDate', header: '订单日期', aliases: ['order date', '消费日期'] },
  { key: 'reference', header: '原单号', aliases: ['order reference', 'reference', '外部单号'] },
  { key: 'itemKind', header: '项目类型', aliases: ['item kind', 'kind', '类型'] },
  { key: 'code', header: '项目代码', aliases: ['item code', 'code', '商品编码'] },
  { key: 'name', header: '项目名称', aliases: ['item name', 'name', '商品名称'] },
  { key: 'quantity', header: '数量', aliases: ['quantity', 'qty'] },
  { key: 'unitPrice', header: '单价', aliases: ['unit price', 'price', '单价（元）'] },
  { key: 'paymentMethod', header: '支付方式', aliases: ['payment method', 'payment'] },
  { key: 'note', header: '备注', aliases: ['note', 'remarks'] },
] as const satisfies readonly ImportColumn[];

const ITEM_KINDS: Record<string, string> = {
  商品: 'product',
  产品: 'product',
  服务: 'service',
  项目: 'service',
  ...Object.fromEntries(ORDER_ITEM_KINDS.map((kind) => [kind, kind])),
};
const PAYMENTS: Record<string, string> = {
  现金: 'cash',
  银行卡: 'bank_card',
  刷卡: 'bank_card',
  微信: 'wechat_pay',
  微信支付: 'wechat_pay',
  支付宝: 'alipay',
  医保: 'medical_insurance',
  储值卡: 'prepaid_card',
  会员卡: 'prepaid_card',
  对公转账: 'bank_transfer',
  转账: 'bank_transfer',
  其他: 'other',
  ...Object.fromEntries(PAYMENT_METHODS.map((method) => [method, method])),
};
const ITEM_FIELDS: Record<string, string> = { kind: 'itemKind', code: 'code', name: 'name', quantity: 'quantity', unitPriceFen: 'unitPrice' };

/** ¥ as written (128, 128.5, 1,280.00, ￥99) → fen, exactly; undefined when it is not an amount of at most two decimals. */
export function fenOf(text: string): number | undefined {
  const match = /^[¥￥]?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text.normalize('NFKC').trim());
  if (!match) return undefined;
  return Number(match[1].replace(/,/g, '')) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

const orders: RecordKindSpec = {
  kind: 'orders',
  label: '消费记录',
  columns: ORDER_COLUMNS,
  notes: {
    orderDate: 'YYYY-MM-DD',
    reference: 'the order’s number in the old system: consecutive rows of one customer with the same 原单号 are one order; empty: the row is an order of its own',
    itemKind: '商品 / 服务 (product / service); default 服务',
    quantity: 'a whole number; default 1',
    unitPrice: 'in yuan (元), at most two decimals: 1280.00',
    paymentMethod: '现金, 银行卡, 微信支付, 支付宝, 医保, 储值卡, 对公转账, 其他: the order is then recorded as paid; empty: placed, unpaid',
    note: 'sealed with the items',
  },
  groupKey: (cells) => {
    const reference = cells.text('reference');
    return reference === undefined ? `row:${cells.rowNumber}` : `${cells.text('orderDate')}\u0000${reference}`;
  },
  dto: PlaceOrderDto,
  build(rows) {
    const [first] = rows;
    const items = rows.map((row) => {
      const kind = row.text('itemKind');
      const mappedKind = kind === undefined ? 'service' : (ITEM_KINDS[kind] ?? ITEM_KINDS[kind.toLowerCase()]);
      if (mappedKind === undefined) row.invalid('itemKind', 'must be 商品 or 服务 (product or service)');
      const quantity = row.text('quantity') === undefined ? 1 : row.number('quantity');
      if (quantity === undefined) row.invalid('quantity', 'must be a whole number');
      const price = row.text('unitPrice');
      const unitPriceFen = price === undefined ? undefined : fenOf(price);
      if (price !== undefined && unitPriceFen === undefined) row.invalid('unitPrice', 'must be an amount in yuan with at most two decimals');
      return { kind: mappedKind, code: row.text('code'), name: row.text('name'), quantity, unitPriceFen };
    });
    const notes = [...new Set(rows.map((row) => row.text('note')).filter((note): note is string => note !== undefined))];
    return { orderDate: first.date('orderDate'), items, ...(notes.length > 0 ? { note: notes.join('；') } : {}) };
  },
  columnOfPath(path, rows) {
    const item = indexed(path, 'items');
    if (item) return { row: item.index, key: ITEM_FIELDS[item.rest] ?? 'code' };
    if (path === 'note')
      return {
        row: Math.max(
          0,
          rows.findIndex((row) => row.text('note') !== undefined),
        ),
        key: 'note',
      };
    if (path === 'items') return { row: 0, key: 'code' };
    return path === 'orderDate' ? { row: 0, key: 'orderDate' } : undefined;
  },
};

/** The payment a group of order rows asks for: the first row's method, or a problem. */
export function paymentOf(rows: readonly RowCells[]): string | undefined {
  const written = rows.map((row) => row.text('paymentMethod')).find((method) => method !== undefined);
  if (written === undefined) return undefined;
  const method = PAYMENTS[written] ?? PAYMENTS[written.toLowerCase()];
  if (method === undefined) rows[0].invalid('paymentMethod', `must be one of 现金, 银行卡, 微信支付, 支付宝, 医保, 储值卡, 对公转账, 其他 (${PAYMENT_METHODS.join(', ')})`);
  return method;
}

const SERVICE_COLUMNS = [
  ...CUSTOMER_COLUMNS,
  { key: 'serviceDate', header: '服务日期', aliases: ['service date'] },
  { key: 'serviceType', header: '服务类型', aliases: ['service type', 'type'] },
  { key: 'staffId', header: '服务人员', aliases: ['staff', 'staff id', '服务人员账号'] },
  { key: 'content', header: '服务内容', aliases: ['content'] },
  { key: 'outcome', header: '服务效果', aliases: ['outcome', 'effect'] },
] as const satisfies readonly ImportColumn[];

const SERVICE_TYPE_LABELS: Record<string, string> = {
  咨询: 'consultation',
  体检: 'checkup',
  健康讲座: 'lecture',
  讲座: 'lecture',
  回访电话: 'follow_up_call',
  电话回访: 'follow_up_call',
  营养指导: 'nutrition_guidance',
  运动指导: 'exercise_guidance',
  健康评估: 'health_assessment',
  转诊: 'referral',
  上门服务: 'home_visit',
  其他: 'other',
  ...Object.fromEntries(SERVICE_TYPES.map((type) => [type, type])),
};

const services: RecordKindSpec = {
  kind: 'services',
  label: '服务记录',
  columns: SERVICE_COLUMNS,
  notes: {
    serviceDate: 'YYYY-MM-DD',
    serviceType: '咨询, 体检, 健康讲座, 回访电话, 营养指导, 运动指导, 健康评估, 转诊, 上门服务, 其他',
    staffId: 'the staff account that gave the service; empty: the importer',
  },
  dto: RecordServiceDto,
  build([row]) {
    const type = row.text('serviceType');
    const serviceType = type === undefined ? undefined : (SERVICE_TYPE_LABELS[type] ?? SERVICE_TYPE_LABELS[type.toLowerCase()] ?? type);
    return {
      serviceDate: row.date('serviceDate'),
      serviceType,
      ...(row.text('staffId') === undefined ? {} : { staffId: row.text('staffId') }),
      content: row.text('content'),
      ...(row.text('outcome') === undefined ? {} : { outcome: row.text('outcome') }),
    };
  },
  columnOfPath: (path) => (SERVICE_COLUMNS.some((column) => column.key === path) ? { row: 0, key: path } : undefined),
};

export const RECORD_KIND_SPECS: Record<RecordKind, RecordKindSpec> = { checkups, orders, services };

/** A row's cells by the layout's columns; problems are collected on the row, named by the file's header. */
export function rowCells(
  rowNumber: number,
  values: readonly CellValue[],
  columns: ReadonlyMap<number, string>,
  headerOf: (key: string) => string,
): RowCells & { problems: RowProblem[] } {
  const cells = new Map<string, CellValue>();
  for (const [index, key] of columns) cells.set(key, values[index]);
  const problems: RowProblem[] = [];
  const text = (key: string) => {
    const value = cells.get(key);
    if (value === null || value === undefined) return undefined;
    const string = value instanceof Date ? value.toISOString().slice(0, 10) : String(value).trim();
    return string === '' ? undefined : string;
  };
  const invalid = (key: string, message: string) => {
    if (!problems.some((problem) => problem.column === headerOf(key))) problems.push({ column: headerOf(key), code: 'validation-failed', message });
  };
  return {
    rowNumber,
    problems,
    text,
    invalid,
    date(key) {
      const value = cells.get(key);
      if (value instanceof Date) return value.toISOString().slice(0, 10);
      const raw = text(key);
      if (raw === undefined) return undefined;
      const parsed = parseDate(raw);
      if (!parsed) invalid(key, 'must be a date (YYYY-MM-DD, YYYY/M/D or YYYY年M月D日)');
      return parsed;
    },
    number(key) {
      const value = cells.get(key);
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      const raw = text(key)?.normalize('NFKC');
      return raw !== undefined && NUMERIC.test(raw) ? Number(raw) : undefined;
    },
  };
}
