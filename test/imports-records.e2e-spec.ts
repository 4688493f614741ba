import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LedgerCliModule } from '../apps/ledger-cli/src/ledger-cli.module';
import { loadConfig } from '../libs/platform/src/config/ledger-config';
import { runCli } from './support/cli-run';
import { customerRecordsHarness } from './support/customer-records';
import { ImportRow, writeCsv, writeXlsx } from './support/import-files';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate } from './support/test-clock';
import { waitUntil } from './support/wait-until';

/** Imports of existing customers' records (issue #15 item 1): check-ups, orders, service records over HTTP and the CLI. */
const HM = 'health-management';
type Json = ReturnType<typeof JSON.parse>;
type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
const CHECKUP_HEADERS = ['客户编号', '证件号码', '体检日期', '体检机构', '体检套餐', '项目代码', '项目名称', '结果', '单位', '参考范围', '异常标志', '结论'];
const ORDER_HEADERS = ['Customer number', 'ID number', 'Order date', 'Reference', 'Kind', 'Code', 'Name', 'Quantity', 'Unit price', 'Payment method', 'Note'];
const SERVICE_HEADERS = ['客户编号', '证件号码', '服务日期', '服务类型', '服务人员', '服务内容', '服务效果'];

describe('record imports', () => {
  let api: TestApi;
  let h: Harness;
  let dir: string;
  let sequence = 0;
  const customers: Record<'consented' | 'plain' | 'outside', { subjectId: string; number: string; idNumber: string }> = {} as never;

  async function customer(consents: unknown[], assign: boolean) {
    const idNumber = residentId('1980-05-01', 200 + ++sequence);
    const body = registration({ consents });
    const registered = await h.call('POST', '/v1/subjects', h.as.staff, {
      ...body,
      data: { ...(body.data as object), identity_document: { type: 'resident_id', number: idNumber } },
    });
    if (registered.status !== 201) throw new Error(`registration refused: ${JSON.stringify(registered.body)}`);
    if (assign) expect((await h.call('PUT', `/v1/subjects/${registered.body.subjectId}/assignment`, h.as.staff, { departmentId: h.departmentId })).status).toBe(200);
    return { subjectId: registered.body.subjectId as string, number: registered.body.customerNumber as string, idNumber };
  }

  beforeAll(async () => {
    api = await startTestApi();
    h = await customerRecordsHarness(api);
    dir = mkdtempSync(join(tmpdir(), 'pi-ledger-record-imports-'));
    const all = ['health', 'identity_document', 'health_records', 'consumption', 'service_interactions'];
    customers.consented = await customer([{ purposeId: HM, categories: all, separate: true }], true);
    customers.plain = await customer([{ purposeId: HM, categories: ['health', 'identity_document', 'health_records'], separate: true }], true);
    customers.outside = await customer([{ purposeId: HM, categories: all, separate: true }], false);
    // the customer numbers' read model, which an import finds customers by
    await waitUntil('customer numbers', async () => ((await api.database.pool.query(`SELECT count(*)::int AS n FROM customer_numbers`)).rows[0].n >= 3 ? true : undefined));
  });

  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function upload(path: string, token: string, fields: Record<string, string>) {
    const form = new FormData();
    for (const [name, value] of Object.entries({ purposeId: HM, ...fields })) form.append(name, value);
    form.append('file', new Blob([readFileSync(path)]), path.split('/').pop());
    const response = await api.request('/v1/imports', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    return { status: response.status, body: (await response.json()) as Json };
  }
  const finished = (jobId: string, token: string) =>
    waitUntil(
      `import ${jobId} to end`,
      async () => {
        const job = (await h.call('GET', `/v1/imports/${jobId}`, token)).body;
        return ['completed', 'cancelled', 'failed'].includes(job.state) ? job : undefined;
      },
      120_000,
      100,
    );
  /** Each refused row's [row, column, code], once (a column may break two of the command's rules). */
  const errorsOf = async (jobId: string, token: string) => [
    ...new Map(
      ((await h.call('GET', `/v1/imports/${jobId}/errors`, token)).body.items as Json[]).map((e) => [`${e.row}:${e.column}:${e.code}`, [e.row, e.column, e.code]]),
    ).values(),
  ];
  const eventsOf = async (type: string, jobId: string) =>
    (
      await api.database.pool.query(`SELECT stream_id, (metadata->>'importRow')::int AS row FROM ledger_events WHERE type = $1 AND metadata->>'importJobId' = $2 ORDER BY 2`, [
        type,
        jobId,
      ])
    ).rows as Array<{ stream_id: string; row: number }>;
  const countOf = async (type: string) => (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = $1`, [type])).rows[0].n as number;

  it('offers a template per kind with Chinese headers', async () => {
    for (const [kind, headers] of [
      ['checkups', ['客户编号', '证件号码', '体检日期', '项目代码', '结果', '参考范围']],
      ['orders', ['客户编号', '订单日期', '原单号', '单价', '支付方式']],
      ['services', ['客户编号', '服务日期', '服务类型', '服务内容']],
    ] as const) {
      const csv = await api.request(`/v1/imports/template?format=csv&kind=${kind}`, { headers: { authorization: `Bearer ${h.as.staff}` } });
      expect(csv.status).toBe(200);
      expect(
        (await csv.text())
          .replace(/^\uFEFF/, '')
          .split('\r\n')[0]
          .split(','),
      ).toEqual(expect.arrayContaining([...headers]));
    }
    expect((await api.request('/v1/imports/template?kind=pets', { headers: { authorization: `Bearer ${h.as.staff}` } })).status).toBe(400);
  });

  describe('check-ups over HTTP, as a health manager', () => {
    let jobId: string;
    let job: Json;
    const day = chinaDate(-10);

    beforeAll(async () => {
      const { consented: c1, plain: c2, outside: c3 } = customers;
      const rows: ImportRow[] = [
        /* 2 */ [c1.number, undefined, day, '某某体检中心', '标准套餐', 'GLU', '空腹血糖', '7.2', 'mmol/L', '3.9-6.1', '是', '血糖偏高'],
        /* 3 */ [c1.number, undefined, day, '某某体检中心', '标准套餐', 'TC', '总胆固醇', '4.1', 'mmol/L', '<5.2', undefined, undefined],
        /* 4 */ [c1.number, undefined, day, '某某体检中心', '标准套餐', 'HBSAG', '乙肝表面抗原', '阴性', undefined, undefined, '否', '建议复查血糖'],
        /* 5 */ [undefined, c1.idNumber, chinaDate(-40), '某某体检中心', undefined, 'GLU', '空腹血糖', '5.0', 'mmol/L', '3.9-6.1', undefined, undefined],
        /* 6 */ ['C2026999999', undefined, day, '某某体检中心', undefined, 'GLU', '空腹血糖', '5.0', undefined, undefined, undefined, undefined],
        /* 7 */ [c2.number, undefined, day, '某某体检中心', undefined, 'GLU', '空腹血糖', '5.1', undefined, undefined, undefined, undefined],
        /* 8 */ [c2.number, undefined, day, '某某体检中心', undefined, 'TC', '总胆固醇', '4.0', undefined, undefined, '也许', undefined],
        /* 9 */ [c3.number, undefined, day, '某某体检中心', undefined, 'GLU', '空腹血糖', '5.0', undefined, undefined, undefined, undefined],
        /* 10 */ [c1.number, undefined, '2026-02-30', '某某体检中心', undefined, 'GLU', '空腹血糖', '5.0', undefined, undefined, undefined, undefined],
        /* 11 */ [c1.number, c2.idNumber, chinaDate(-5), '某某体检中心', undefined, 'GLU', '空腹血糖', '5.0', undefined, undefined, undefined, undefined],
        /* 12 */ [c1.number, undefined, chinaDate(-3), '某某体检中心', undefined, 'GLU', undefined, '5.0', undefined, undefined, undefined, undefined],
      ];
      const path = join(dir, 'checkups.csv');
      writeCsv(path, CHECKUP_HEADERS, rows);
      const created = await upload(path, h.as.health_manager, { kind: 'checkups' });
      expect(created.status).toBe(202);
      expect(created.body).toEqual(expect.objectContaining({ kind: 'checkups', noticeVersion: null }));
      jobId = created.body.jobId;
      job = await finished(jobId, h.as.health_manager);
    });

    it('imports the visits grouped by customer, date and institution, and accounts for every row', () => {
      expect(job).toEqual(expect.objectContaining({ state: 'completed', encoding: 'gb18030', unknownColumns: [] }));
      expect(job.rows).toEqual(expect.objectContaining({ read: 11, total: 11, imported: 4, refused: 7 }));
    });

    it('names each refused row, its column and the code the API gives, never the values', async () => {
      const errors = await errorsOf(jobId, h.as.health_manager);
      expect(errors).toEqual([
        [6, '客户编号', 'unknown-customer'],
        [7, null, 'record-refused'],
        [8, '异常标志', 'validation-failed'],
        [9, '客户编号', 'outside-assignment'],
        [10, '体检日期', 'validation-failed'],
        [11, '证件号码', 'customer-mismatch'],
        [12, '项目名称', 'validation-failed'],
      ]);
      const body = JSON.stringify((await h.call('GET', `/v1/imports/${jobId}/errors`, h.as.health_manager)).body);
      for (const value of [customers.consented.idNumber, customers.plain.idNumber, '空腹血糖', '7.2', '某某体检中心', '也许']) expect(body).not.toContain(value);
    });

    it('writes each visit once through the check-up command, its rows in the metadata, readable as any visit', async () => {
      const recorded = await eventsOf('CheckupRecorded', jobId);
      expect(recorded.map((event) => event.row)).toEqual([2, 5]);
      const visits = await h.read(`/v1/subjects/${customers.consented.subjectId}/checkups`, h.as.health_manager);
      expect(visits.status).toBe(200);
      const visit = visits.body.items.find((item: Json) => item.visitDate === day);
      expect(visit.visit.results.map((result: Json) => [result.code, result.value, result.abnormal])).toEqual([
        ['GLU', 7.2, true],
        ['TC', 4.1, false],
        ['HBSAG', '阴性', false],
      ]);
      expect(visit.visit.conclusions).toEqual(['血糖偏高', '建议复查血糖']);
      expect(visit.visit.results[0].referenceRange).toEqual({ low: 3.9, high: 6.1, text: '3.9-6.1' });
    });

    it('a second upload of the same file writes nothing twice: its rows are reported as imported before', async () => {
      const before = await countOf('CheckupRecorded');
      const path = join(dir, 'checkups.csv');
      const again = await upload(path, h.as.health_manager, { kind: 'checkups' });
      const second = await finished(again.body.jobId, h.as.health_manager);
      expect(second.rows).toEqual(expect.objectContaining({ read: 11, imported: 0, skipped: 4, refused: 7 }));
      expect(await countOf('CheckupRecorded')).toBe(before);
      const duplicates = (await h.call('GET', `/v1/imports/${again.body.jobId}/duplicates`, h.as.health_manager)).body.items;
      expect(duplicates[0]).toEqual(expect.objectContaining({ row: 2, outcome: 'skipped', match: expect.objectContaining({ reasons: ['imported_before'], jobId }) }));
    });

    it('refuses a record import whose header names no customer column, and one as a role that may not write the category', async () => {
      const path = join(dir, 'no-customer.csv');
      writeCsv(path, ['体检日期', '项目代码'], [[day, 'GLU']], 'utf-8');
      const refused = await upload(path, h.as.health_manager, { kind: 'checkups' });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'file' })]);
      const good = join(dir, 'checkups-cs.csv');
      writeCsv(good, CHECKUP_HEADERS, [
        [customers.consented.number, undefined, chinaDate(-2), '某某体检中心', undefined, 'GLU', '空腹血糖', '5', undefined, undefined, undefined, undefined],
      ]);
      const created = await upload(good, h.as.customer_service, { kind: 'checkups' });
      expect(created.status).toBe(202);
      await finished(created.body.jobId, h.as.customer_service);
      expect(await errorsOf(created.body.jobId, h.as.customer_service)).toEqual([[2, null, 'category-not-permitted']]);
    });
  });

  it('imports orders from an xlsx with English headers: lines grouped by reference, paid when a payment is named, refused without the separate consent', async () => {
    const { consented: c1, plain: c2 } = customers;
    const day = chinaDate(-7);
    const rows: ImportRow[] = [
      /* 2 */ [c1.number, undefined, day, 'OLD-1', '服务', 'PKG-STD', '标准体检套餐', 1, '1280.00', '微信支付', '老系统订单'],
      /* 3 */ [c1.number, undefined, day, 'OLD-1', '商品', 'VIT-D', '维生素D滴剂', 3, '45.5', undefined, undefined],
      /* 4 */ [undefined, c1.idNumber, day, undefined, undefined, 'CONSULT', '营养咨询', undefined, '300', undefined, undefined],
      /* 5 */ [c2.number, undefined, day, 'OLD-2', '服务', 'CONSULT', '营养咨询', 1, '300', undefined, undefined],
      /* 6 */ [c1.number, undefined, day, 'OLD-3', '服务', 'CONSULT', '营养咨询', 1, '3.999', undefined, undefined],
      /* 7 */ [c1.number, undefined, day, 'OLD-4', '服务', 'CONSULT', '营养咨询', 1, '300', '比特币', undefined],
    ];
    const path = join(dir, 'orders.xlsx');
    await writeXlsx(path, ORDER_HEADERS, rows);
    const created = await upload(path, h.as.front_desk, { kind: 'orders' });
    expect(created.status).toBe(202);
    const job = await finished(created.body.jobId, h.as.front_desk);
    expect(job.rows).toEqual(expect.objectContaining({ read: 6, imported: 3, refused: 3 }));
    expect(await errorsOf(job.jobId, h.as.front_desk)).toEqual([
      [5, 'Customer number', 'separate-consent-required'],
      [6, 'Unit price', 'validation-failed'],
      [7, 'Payment method', 'validation-failed'],
    ]);
    const placed = await eventsOf('OrderPlaced', job.jobId);
    expect(placed.map((event) => event.row)).toEqual([2, 4]);
    expect((await eventsOf('OrderPaid', job.jobId)).map((event) => event.row)).toEqual([2]);
    const orders = await h.read(`/v1/subjects/${c1.subjectId}/orders`, h.as.front_desk);
    const imported = orders.body.items.find((order: Json) => order.items.length === 2);
    expect(imported).toMatchObject({ status: 'paid', amountFen: 128_000 + 3 * 4_550, note: '老系统订单' });

    // the same file again: no order placed, paid or numbered twice
    const counts = async () => Promise.all(['OrderPlaced', 'OrderPaid', 'OrderNumberAllocated'].map(countOf));
    const before = await counts();
    const again = await finished((await upload(path, h.as.front_desk, { kind: 'orders' })).body.jobId, h.as.front_desk);
    expect(again.rows).toEqual(expect.objectContaining({ read: 6, imported: 0, skipped: 3, refused: 3 }));
    expect(await counts()).toEqual(before);
  });

  it('a dry run of service records checks each row, the customer and the authorisation, and writes nothing', async () => {
    const path = join(dir, 'services-dry.csv');
    writeCsv(
      path,
      SERVICE_HEADERS,
      [
        [customers.consented.number, undefined, chinaDate(-1), '咨询', undefined, '试运行', undefined],
        [customers.outside.number, undefined, chinaDate(-1), '咨询', undefined, '试运行', undefined],
      ],
      'utf-8',
    );
    const before = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n;
    const created = await upload(path, h.as.customer_service, { kind: 'services', dryRun: 'true' });
    const job = await finished(created.body.jobId, h.as.customer_service);
    expect(job).toEqual(expect.objectContaining({ dryRun: true, state: 'completed' }));
    expect(job.rows).toEqual(expect.objectContaining({ read: 2, imported: 1, refused: 1 }));
    expect(await errorsOf(job.jobId, h.as.customer_service)).toEqual([[3, '客户编号', 'outside-assignment']]);
    expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n).toBe(before);
  });

  describe('ledger import services', () => {
    const cli = (...args: string[]) => {
      const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: api.database.url, dataDir: api.dataDir };
      return runCli(LedgerCliModule.forRoot(config, pino({ level: 'silent' })), ['import', 'services', ...args]);
    };

    it('records each row through the service-record command; a re-run of the same file records nothing twice', async () => {
      const { consented: c1 } = customers;
      const rows: ImportRow[] = [
        /* 2 */ [c1.number, undefined, chinaDate(-3), '营养指导', 'health_manager-1', '低盐低脂饮食指导', '已掌握'],
        /* 3 */ [undefined, c1.idNumber, chinaDate(-2), '电话回访', undefined, '回访血糖控制情况', undefined],
        /* 4 */ [c1.number, undefined, chinaDate(-2), '算命', undefined, '不存在的服务', undefined],
        /* 5 */ [c1.number, undefined, chinaDate(-1), '咨询', '不是 账号', '咨询', undefined],
        /* 6 */ [c1.number, undefined, chinaDate(-1), '咨询', undefined, undefined, undefined],
      ];
      const path = join(dir, 'services.csv');
      writeCsv(path, SERVICE_HEADERS, rows);
      const run = await cli(path, '--purpose', HM, '--no-progress');
      expect(run.errors).toEqual([]);
      const report = JSON.parse(run.stdout);
      expect(report).toEqual(expect.objectContaining({ kind: 'services', state: 'completed' }));
      expect(report.rows).toEqual(expect.objectContaining({ read: 5, imported: 2, refused: 3 }));
      expect(report.errors.map((e: Json) => [e.row, e.column, e.code])).toEqual([
        [4, '服务类型', 'validation-failed'],
        [5, '服务人员', 'validation-failed'],
        [6, '服务内容', 'validation-failed'],
      ]);
      expect(run.stdout).not.toContain('低盐低脂');
      expect((await eventsOf('ServiceRecorded', report.jobId)).map((event) => event.row)).toEqual([2, 3]);

      const again = await cli(path, '--purpose', HM, '--no-progress');
      expect(JSON.parse(again.stdout).jobId).toBe(report.jobId);
      expect(again.stderr).toContain('imported completely');
      expect(await eventsOf('ServiceRecorded', report.jobId)).toHaveLength(2);
    });

    it('a run killed after its writes but before their outcomes were recorded resumes without writing them twice', async () => {
      const path = join(dir, 'services-crash.csv');
      writeCsv(
        path,
        SERVICE_HEADERS,
        Array.from({ length: 6 }, (_, i) => [customers.consented.number, undefined, chinaDate(-1 - i), '咨询', undefined, `第${i}次咨询`, undefined]),
        'utf-8',
      );
      const first = JSON.parse((await cli(path, '--purpose', HM, '--no-progress')).stdout);
      expect(first.rows).toEqual(expect.objectContaining({ read: 6, imported: 6 }));
      // what kill -9 between a row's write and its outcome leaves: the records written, rows 4 to 7 without an outcome, the job running
      await api.database.pool.query(`DELETE FROM import_job_rows WHERE job_id = $1 AND row_number >= 4`, [first.jobId]);
      await api.database.pool.query(`UPDATE import_jobs SET state = 'running', finished_at = NULL, file_path = $2 WHERE job_id = $1`, [first.jobId, path]);
      const resumed = await cli(path, '--purpose', HM, '--no-progress');
      expect(resumed.stderr).toContain(`resuming job ${first.jobId}`);
      expect(JSON.parse(resumed.stdout).rows).toEqual(expect.objectContaining({ read: 6, imported: 6, skipped: 0, refused: 0 }));
      const written = await eventsOf('ServiceRecorded', first.jobId);
      expect(written.map((event) => event.row)).toEqual([2, 3, 4, 5, 6, 7]);
    });
  });
});
