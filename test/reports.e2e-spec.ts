import { parse } from 'csv-parse/sync';
import * as ExcelJS from 'exceljs';
import { TokenService } from '../libs/access-control/src/token.service';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate, DAY_MS, movableClock } from './support/test-clock';
import { jsonRequest, tokens } from './support/test-tokens';
import { eraseOnRequest } from './support/erasure-request';

/**
 * Reports over HTTP (issue #16 item 3) on a data set the spec makes through the API: a few hundred
 * customers with services, orders, complaints, follow-ups and survey answers, drawn by a seeded
 * generator. Every figure is checked against counts the spec computes from what it wrote, not from
 * the ledger's read models.
 */
const HM = 'health-management';
const PERIOD = { from: '2026-01-01', to: '2026-06-30' };
const K = 5;
const PROVINCES = ['浙江省', '江苏省', '上海市'] as const;
const RARE_PROVINCE = '西藏自治区';
const TYPES = ['individual', 'vip', 'corporate_member'] as const;
const TIERS = ['standard', 'silver', 'gold'] as const;
const STAFF = ['staff-a', 'staff-b', 'staff-c'] as const;
const SERVICE_KINDS = ['consultation', 'checkup', 'nutrition_guidance'] as const;
const CATEGORIES = ['billing', 'waiting_time', 'service_attitude'] as const;
const SEVERITIES = ['low', 'medium', 'high'] as const;
const CUSTOMERS = 200;
const ITEMS = ['PKG-A', 'PKG-B', 'CONSULT'] as const;
const INDICATORS = ['GLU', 'TC', 'ALT'] as const;
/**
 * Conditions as staff type them, and the vocabulary key the spec expects each to count under: a
 * synonym, another case or width, and words outside the vocabulary (counted as none of its conditions).
 */
const CONDITION_KEYS: Record<string, string | null> = {
  高血压: 'hypertension',
  原发性高血压: 'hypertension',
  HYPERTENSION: 'hypertension',
  糖尿病: 'diabetes',
  '2型糖尿病': 'diabetes',
  脂肪肝: 'fatty_liver',
  高脂血症: 'dyslipidemia',
  偏头痛: null,
};
const CONDITION_SETS: ReadonlyArray<readonly string[]> = [
  [],
  [],
  ['高血压'],
  ['原发性高血压', '糖尿病'],
  ['HYPERTENSION'],
  ['2型糖尿病'],
  ['脂肪肝', '高脂血症'],
  ['偏头痛'],
  ['高脂血症'],
];
/** The rare condition of the spec: three customers, a small cell. */
const RARE_CONDITION = ['痛风', 'hyperuricemia'] as const;

interface Customer {
  id: string;
  gender: 'male' | 'female';
  birthYear: number;
  province: string;
  customerType: string;
  tier: string;
  stage: string;
  services: Array<{ staff: string; type: string; date: string; scale?: number; nps?: number }>;
  orders: Array<{ date: string; amountFen: number; paid: boolean; item: string }>;
  checkups: Array<{ code: string; abnormal: boolean; visit: string; date: string }>;
  conditions: readonly string[];
  complaints: Array<{ category: string; severity: string; closed: boolean; resolutionDueAt: string }>;
  followUps: Array<{ assignee: string; done: boolean }>;
}

/** mulberry32: the same data set on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Cell = { value: number | null } | { suppressed: true; display: string };
type Row = { key: string; cells: Cell[]; total: Cell; measures: Record<string, Cell> };
type Report = {
  report: string;
  minCell: number;
  filters: Record<string, string>;
  period: { from: string; to: string };
  table: { columns: string[]; rows: Row[]; total: Omit<Row, 'key'> };
};

const shown = (cell: Cell) => ('suppressed' in cell ? undefined : cell.value);
const isHidden = (cell: Cell) => 'suppressed' in cell;

function ageBand(birthYear: number): string {
  const age = 2026 - birthYear;
  return age < 14 ? 'under-14' : age < 18 ? '14-17' : age < 30 ? '18-29' : age < 45 ? '30-44' : age < 60 ? '45-59' : '60+';
}

/** Distinct customers per key of `keyOf` (one customer may give several keys). */
function countBy<T>(items: T[], keysOf: (item: T) => string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) for (const key of new Set(keysOf(item))) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/**
 * Every published count equals the spec's own (absent: zero), every count from 1 to k-1 is hidden,
 * and no row or column (with its total) has exactly one hidden figure, which subtraction would give away.
 */
function expectPublishedMatches(
  report: Report,
  expected: { cell?: (row: string, column: string) => number; row: (row: string) => number; grand: number; column?: (column: string) => number },
) {
  const { table } = report;
  const check = (cell: Cell, truth: number, where: string) => {
    if (truth > 0 && truth < K) expect({ where, hidden: isHidden(cell) }).toEqual({ where, hidden: true });
    if (!isHidden(cell)) expect({ where, value: shown(cell) }).toEqual({ where, value: truth });
  };
  for (const row of table.rows) {
    check(row.total, expected.row(row.key), `row ${row.key}`);
    row.cells.forEach((cell, c) => check(cell, expected.cell!(row.key, table.columns[c]), `${row.key} × ${table.columns[c]}`));
  }
  table.total.cells.forEach((cell, c) => check(cell, expected.column!(table.columns[c]), `column ${table.columns[c]}`));
  check(table.total.total, expected.grand, 'grand total');
  const lone = (figures: Cell[]) => figures.filter(isHidden).length === 1;
  const lines = [
    ...table.rows.filter((row) => row.cells.length > 0).map((row) => [row.total, ...row.cells]),
    ...table.columns.map((_, c) => [table.total.cells[c], ...table.rows.map((row) => row.cells[c])]),
    [table.total.total, ...table.rows.map((row) => row.total)],
    ...(table.columns.length > 0 ? [[table.total.total, ...table.total.cells]] : []),
  ];
  expect(lines.filter(lone)).toEqual([]);
}

describe('reports over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let manager: string;
  let moveClock: (aheadMs: number) => void;
  const customers: Customer[] = [];
  let departmentId: string;

  const get = async (path: string, token = manager, headers: Record<string, string> = {}) =>
    call('GET', path, token, undefined, { 'x-ledger-min-position': String(await api.logHead()), ...headers });
  const report = async (name: string, params: Record<string, string> = {}) => {
    const response = await get(`/v1/reports/${name}?${new URLSearchParams({ ...PERIOD, ...params }).toString()}`);
    expect({ name, params, status: response.status }).toEqual({ name, params, status: 200 });
    return response.body as Report;
  };

  beforeAll(async () => {
    const movable = movableClock();
    moveClock = movable.to;
    api = await startTestApi({}, { clock: movable.clock });
    call = jsonRequest(api);
    const signer = api.app.get(TokenService);
    const admin = await tokens(api).admin();
    departmentId = (await call('POST', '/v1/departments', admin, { code: 'health', name: '健康管理部' })).body.departmentId;
    manager = await signer.sign({ sub: 'manager-1', roles: ['manager'], departmentId });
    const staff = await signer.sign({ sub: 'staff-a', roles: ['staff', 'customer_service', 'health_manager'], departmentId });
    const survey = await call('POST', '/v1/surveys', manager, {
      title: '服务满意度',
      questions: [
        { id: 'overall', kind: 'scale', text: '总体满意度' },
        { id: 'recommend', kind: 'nps', text: '推荐意愿' },
      ],
    });
    const surveyId = survey.body.surveyId as string;
    const draw = random(16);
    const pick = <T>(list: readonly T[]) => list[Math.floor(draw() * list.length)];
    const ok = (response: { status: number; body: unknown }, what: string) => {
      if (response.status >= 300) throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body as Record<string, unknown>;
    };

    const plans = Array.from({ length: CUSTOMERS }, (_, index) => {
      // three customers of type `other` and two in a rare province: the small cells of the spec
      const customerType = index < 3 ? 'other' : pick(TYPES);
      return {
        gender: pick(['male', 'female'] as const),
        birthYear: 1950 + Math.floor(draw() * 50),
        province: index >= 3 && index < 5 ? RARE_PROVINCE : pick(PROVINCES),
        customerType,
        tier: pick(TIERS),
        stage: draw() < 0.2 ? 'prospect' : 'active',
        serviceCount: draw() < 0.6 ? 1 + Math.floor(draw() * 2) : 0,
        orderCount: draw() < 0.4 ? 1 : 0,
        complaintCount: draw() < 0.2 ? 1 : 0,
        followUpCount: draw() < 0.3 ? 1 : 0,
        checkupCount: draw() < 0.5 ? 1 : 0,
        conditions: index >= 5 && index < 8 ? [RARE_CONDITION[0], '高血压'] : pick(CONDITION_SETS),
        draws: Array.from({ length: 24 }, draw),
      };
    });

    const seed = async (plan: (typeof plans)[number]) => {
      const [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9] = plan.draws;
      const registered = ok(
        await call('POST', '/v1/subjects', staff, {
          purposeId: HM,
          noticeVersion: 'v1',
          channel: 'front-desk',
          lifecycleStage: plan.stage,
          consents: [{ purposeId: HM, categories: ['health', 'health_records', 'consumption'], separate: true }],
          data: {
            identity: { name: '客户', gender: plan.gender, birthDate: `${plan.birthYear}-03-01` },
            contact: { address: { province: plan.province, city: '某市', district: '某区', line: '某路 1 号' } },
            customer_profile: { customerType: plan.customerType, tier: plan.tier },
            ...(plan.conditions.length > 0 ? { health: { conditions: [...plan.conditions] } } : {}),
          },
        }),
        'registration',
      );
      const id = registered.subjectId as string;
      ok(await call('PUT', `/v1/subjects/${id}/assignment`, staff, { departmentId }), 'assignment');
      const customer: Customer = { id, ...plan, services: [], orders: [], complaints: [], followUps: [], checkups: [] };
      for (let s = 0; s < plan.serviceCount; s++) {
        const service = { staff: STAFF[Math.floor((s ? d0 : d1) * 3)], type: SERVICE_KINDS[Math.floor((s ? d2 : d3) * 3)], date: chinaDate(-Math.floor((s ? d4 : d5) * 140)) };
        const recorded = ok(
          await call('POST', `/v1/subjects/${id}/service-records`, staff, {
            serviceDate: service.date,
            serviceType: service.type,
            staffId: service.staff,
            content: '服务内容',
            purposeId: HM,
          }),
          'service',
        );
        const entry: Customer['services'][number] = { ...service };
        if ((s ? d6 : d7) < 0.6) {
          const dispatched = ok(await call('POST', `/v1/service-records/${recorded.recordId as string}/survey`, staff, { surveyId, purposeId: HM, invite: false }), 'dispatch');
          entry.scale = 1 + Math.floor(d8 * 5);
          entry.nps = Math.floor(d9 * 11);
          ok(
            await call('POST', `/v1/survey-responses/${dispatched.responseId as string}`, staff, { answers: { overall: entry.scale, recommend: entry.nps }, purposeId: HM }),
            'answer',
          );
        }
        customer.services.push(entry);
      }
      for (let o = 0; o < plan.orderCount; o++) {
        const order = {
          date: chinaDate(-Math.floor(plan.draws[10] * 140)),
          amountFen: 10_000 + Math.floor(plan.draws[11] * 90) * 1_000,
          paid: plan.draws[12] < 0.7,
          item: ITEMS[Math.floor(plan.draws[18] * 3)],
        };
        const placed = ok(
          await call('POST', `/v1/subjects/${id}/orders`, staff, {
            orderDate: order.date,
            items: [{ kind: 'service', code: order.item, name: '体检套餐', quantity: 1, unitPriceFen: order.amountFen }],
            purposeId: HM,
          }),
          'order',
        );
        if (order.paid)
          ok(await call('POST', `/v1/orders/${placed.orderId as string}/pay`, staff, { paymentMethod: 'wechat_pay', amountFen: order.amountFen, purposeId: HM }), 'payment');
        customer.orders.push(order);
      }
      for (let c = 0; c < plan.complaintCount; c++) {
        const complaint = { category: CATEGORIES[Math.floor(plan.draws[13] * 3)], severity: SEVERITIES[Math.floor(plan.draws[14] * 3)], closed: plan.draws[15] < 0.5 };
        const received = ok(
          await call('POST', `/v1/subjects/${id}/complaints`, staff, {
            channel: 'phone',
            category: complaint.category,
            severity: complaint.severity,
            description: '投诉内容',
            purposeId: HM,
          }),
          'complaint',
        );
        const complaintId = received.complaintId as string;
        if (complaint.closed) {
          ok(await call('POST', `/v1/complaints/${complaintId}/assign`, staff, { handler: 'staff-a' }), 'assign');
          ok(await call('POST', `/v1/complaints/${complaintId}/start`, staff, {}), 'start');
          ok(await call('POST', `/v1/complaints/${complaintId}/reply`, staff, { text: '已处理', purposeId: HM }), 'reply');
          ok(await call('POST', `/v1/complaints/${complaintId}/close`, staff, { satisfaction: 4, purposeId: HM }), 'close');
        }
        customer.complaints.push({ ...complaint, resolutionDueAt: received.resolutionDueAt as string });
      }
      for (let f = 0; f < plan.followUpCount; f++) {
        const followUp = { assignee: STAFF[Math.floor(plan.draws[16] * 3)], done: plan.draws[17] < 0.5 };
        const opened = ok(
          await call('POST', `/v1/subjects/${id}/follow-ups`, staff, { dueDate: chinaDate(5), assignee: followUp.assignee, channel: 'phone', purposeId: HM }),
          'follow-up',
        );
        if (followUp.done) ok(await call('POST', `/v1/follow-ups/${opened.taskId as string}/complete`, staff, { outcome: '已回访', purposeId: HM }), 'complete');
        customer.followUps.push(followUp);
      }
      for (let v = 0; v < plan.checkupCount; v++) {
        // two or three indicators, each high (abnormal) or within its range, computed by the ledger from the value
        const visitDate = chinaDate(-Math.floor(plan.draws[23] * 140));
        const measured = INDICATORS.filter((_, i) => i < 2 || plan.draws[19] < 0.5).map((code, i) => ({ code, abnormal: plan.draws[20 + i] < 0.3 }));
        const visit = ok(
          await call('POST', `/v1/subjects/${id}/checkups`, staff, {
            visitDate,
            institution: '体检中心',
            results: measured.map(({ code, abnormal }) => ({ code, name: code, value: abnormal ? 9 : 5, unit: 'mmol/L', referenceRange: { low: 3, high: 6 } })),
            conclusions: [],
            purposeId: HM,
          }),
          'check-up',
        );
        customer.checkups.push(...measured.map((result) => ({ ...result, visit: visit.visitId as string, date: visitDate })));
      }
      return customer;
    };
    // a few writers at once, as a front desk would be
    for (let start = 0; start < plans.length; start += 8) customers.push(...(await Promise.all(plans.slice(start, start + 8).map(seed))));
  }, 600_000);
  afterAll(() => api?.close());

  it('lists the reports with their choices and the threshold, to managers, admins and compliance officers only', async () => {
    const catalogue = await get('/v1/reports');
    expect(catalogue.status).toBe(200);
    expect(catalogue.body.minCell).toBe(K);
    expect(catalogue.body.reports.map((entry: { name: string }) => entry.name)).toEqual([
      'customer-structure',
      'lifecycle-funnel',
      'orders',
      'order-items',
      'condition-prevalence',
      'abnormal-indicators',
      'services',
      'follow-ups',
      'complaints',
      'satisfaction',
    ]);
    const t = tokens(api);
    const signer = api.app.get(TokenService);
    for (const token of [await t.admin(), await t.compliance()]) expect((await get('/v1/reports/services', token)).status).toBe(200);
    for (const role of ['staff', 'health_manager', 'customer_service', 'front_desk', 'auditor', 'ops']) {
      const token = await signer.sign({ sub: `${role}-9`, roles: [role], departmentId });
      expect({ role, status: (await get('/v1/reports/services', token)).status }).toEqual({ role, status: 403 });
    }
    expect((await get('/v1/reports', await t.subject(customers[0].id))).status).toBe(403);
  });

  it('customer structure: every pair of dimensions counts distinct customers, small cells and their complements hidden', async () => {
    const pairs: Array<[string, string, (c: Customer) => string, (c: Customer) => string]> = [
      ['ageBand', 'gender', (c) => ageBand(c.birthYear), (c) => c.gender],
      ['region', 'tier', (c) => c.province, (c) => c.tier],
      ['customerType', 'region', (c) => c.customerType, (c) => c.province],
    ];
    for (const [rows, columns, rowOf, columnOf] of pairs) {
      const published = await report('customer-structure', { rows, columns });
      expectPublishedMatches(published, {
        cell: (r, c) => customers.filter((x) => rowOf(x) === r && columnOf(x) === c).length,
        row: (r) => customers.filter((x) => rowOf(x) === r).length,
        column: (c) => customers.filter((x) => columnOf(x) === c).length,
        grand: customers.length,
      });
    }
    expect((await get(`/v1/reports/customer-structure?rows=region&columns=none`)).body.errors).toEqual([
      { path: 'query.columns', message: expect.stringMatching(/^must be one of gender, /) },
    ]);
  });

  it('suppresses a lone small count and, complementarily, the next-smallest count that the total would give it away by', async () => {
    const funnel = await report('lifecycle-funnel', { columns: 'customerType' });
    const types = countBy(customers, (c) => [c.customerType]);
    const other = types.get('other')!;
    expect(other).toBe(3);
    const column = (type: string) => funnel.table.total.cells[funnel.table.columns.indexOf(type)];
    expect(column('other')).toEqual({ suppressed: true, display: '<5' });
    // `other` alone would be the total minus the others: the smallest other type goes too
    const smallest = [...types.entries()].filter(([type]) => type !== 'other').sort((a, b) => a[1] - b[1])[0];
    expect(smallest[1]).toBeGreaterThanOrEqual(K);
    expect(column(smallest[0])).toEqual({ suppressed: true, display: '<5' });
    for (const [type, count] of types) if (type !== 'other' && type !== smallest[0]) expect(column(type)).toEqual({ value: count });
    expect(funnel.table.total.total).toEqual({ value: customers.length });
    expectPublishedMatches(funnel, {
      cell: (stage, type) => customers.filter((c) => c.stage === stage && c.customerType === type).length,
      row: (stage) => customers.filter((c) => c.stage === stage).length,
      column: (type) => types.get(type) ?? 0,
      grand: customers.length,
    });
  });

  it('filters by region, tier and type, and a filter that leaves fewer than k customers shows nothing but "<5"', async () => {
    const zhejiangGold = customers.filter((c) => c.province === '浙江省' && c.tier === 'gold');
    const filtered = await report('customer-structure', { rows: 'gender', columns: 'customerType', region: '浙江省', tier: 'gold' });
    expectPublishedMatches(filtered, {
      cell: (g, t) => zhejiangGold.filter((c) => c.gender === g && c.customerType === t).length,
      row: (g) => zhejiangGold.filter((c) => c.gender === g).length,
      column: (t) => zhejiangGold.filter((c) => c.customerType === t).length,
      grand: zhejiangGold.length,
    });
    const rare = await report('customer-structure', { rows: 'gender', columns: 'tier', region: RARE_PROVINCE });
    expect(rare.table.total.total).toEqual({ suppressed: true, display: '<5' });
    expect(rare.table.rows.flatMap((row) => [row.total, ...row.cells]).every((cell) => isHidden(cell) || shown(cell) === 0)).toBe(true);
  });

  it('services per staff member and type, and CSAT and NPS by service type, from the answers the spec gave', async () => {
    const services = await report('services', { rows: 'staff', columns: 'serviceType' });
    const rendered = customers.flatMap((c) => c.services.map((s) => ({ ...s, customer: c.id })));
    const distinct = (filter: (s: (typeof rendered)[number]) => boolean) => new Set(rendered.filter(filter).map((s) => s.customer)).size;
    expectPublishedMatches(services, {
      cell: (staff, type) => distinct((s) => s.staff === staff && s.type === type),
      row: (staff) => distinct((s) => s.staff === staff),
      column: (type) => distinct((s) => s.type === type),
      grand: distinct(() => true),
    });
    const staffShown = services.table.rows.filter((row) => !isHidden(row.total));
    expect(staffShown.length).toBe(STAFF.length);
    for (const row of staffShown) expect(row.measures.services).toEqual({ value: rendered.filter((s) => s.staff === row.key).length });

    const satisfaction = await report('satisfaction', { rows: 'serviceType' });
    const answered = rendered.filter((s) => s.scale !== undefined);
    expectPublishedMatches(satisfaction, {
      row: (type) => new Set(answered.filter((s) => s.type === type).map((s) => s.customer)).size,
      grand: new Set(answered.map((s) => s.customer)).size,
    });
    const typesShown = satisfaction.table.rows.filter((r) => !isHidden(r.total) && shown(r.total)! > 0);
    expect(typesShown.map((row) => row.key).sort()).toEqual([...SERVICE_KINDS].sort());
    for (const row of typesShown) {
      const mine = answered.filter((s) => s.type === row.key);
      const csat = Math.round((1000 * mine.filter((s) => s.scale! >= 4).length) / mine.length) / 10;
      const nps = Math.round((1000 * (mine.filter((s) => s.nps! >= 9).length - mine.filter((s) => s.nps! <= 6).length)) / mine.length) / 10;
      expect({ type: row.key, responses: row.measures.responses, csat: row.measures.csat, nps: row.measures.nps }).toEqual({
        type: row.key,
        responses: { value: mine.length },
        csat: { value: csat },
        nps: { value: nps },
      });
    }
  });

  it('orders by month and tier: ordering customers, orders and the paid amount', async () => {
    const orders = customers.flatMap((c) => c.orders.map((o) => ({ ...o, customer: c })));
    const byMonth = await report('orders', { rows: 'month' });
    expect(byMonth.table.rows.map((row) => row.key)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
    expectPublishedMatches(byMonth, {
      row: (m) => new Set(orders.filter((o) => o.date.startsWith(m)).map((o) => o.customer.id)).size,
      grand: new Set(orders.map((o) => o.customer.id)).size,
    });
    const byTier = await report('orders', { rows: 'tier' });
    const tiersShown = byTier.table.rows.filter((r) => !isHidden(r.total));
    expect(tiersShown.map((row) => row.key).sort()).toEqual([...TIERS].sort());
    for (const row of tiersShown) {
      const mine = orders.filter((o) => o.customer.tier === row.key);
      expect({ tier: row.key, orders: row.measures.orders, netAmount: row.measures.netAmount }).toEqual({
        tier: row.key,
        orders: { value: mine.length },
        netAmount: { value: mine.filter((o) => o.paid).reduce((sum, o) => sum + o.amountFen, 0) / 100 },
      });
    }
  });

  it('complaints by category and severity, and follow-ups by assignee, with breaches and overdue judged on the ledger clock', async () => {
    moveClock(40 * DAY_MS); // every open deadline and due date has passed
    try {
      const complaints = customers.flatMap((c) => c.complaints.map((x) => ({ ...x, customer: c.id })));
      const published = await report('complaints');
      expectPublishedMatches(published, {
        cell: (category, severity) => new Set(complaints.filter((x) => x.category === category && x.severity === severity).map((x) => x.customer)).size,
        row: (category) => new Set(complaints.filter((x) => x.category === category).map((x) => x.customer)).size,
        column: (severity) => new Set(complaints.filter((x) => x.severity === severity).map((x) => x.customer)).size,
        grand: new Set(complaints.map((x) => x.customer)).size,
      });
      expect(published.table.total.measures).toMatchObject({
        complaints: { value: complaints.length },
        closed: { value: complaints.filter((x) => x.closed).length },
        resolutionDeadlineBreaches: { value: complaints.filter((x) => !x.closed).length },
      });
      expect(shown(published.table.total.measures.meanResolutionHours)).toBeGreaterThanOrEqual(0);

      const followUps = customers.flatMap((c) => c.followUps.map((f) => ({ ...f, customer: c.id })));
      const tasks = await report('follow-ups', { to: '2026-07-31' });
      expectPublishedMatches(tasks, { row: (a) => new Set(followUps.filter((f) => f.assignee === a).map((f) => f.customer)).size, grand: followUps.length });
      const done = followUps.filter((f) => f.done).length;
      expect(tasks.table.total.measures).toEqual({
        tasks: { value: followUps.length },
        completed: { value: done },
        overdue: { value: followUps.length - done },
        completionRate: { value: Math.round((1000 * done) / followUps.length) / 10 },
        overdueRate: { value: Math.round((1000 * (followUps.length - done)) / followUps.length) / 10 },
      });
    } finally {
      moveClock(0);
    }
  });

  it('orders by item and abnormal-indicator rates, from the facts the report projection opened once from the sealed records', async () => {
    const orders = customers.flatMap((c) => c.orders.map((o) => ({ ...o, customer: c.id })));
    const items = await report('order-items');
    expectPublishedMatches(items, {
      row: (item) => new Set(orders.filter((o) => `service:${o.item}` === item).map((o) => o.customer)).size,
      grand: new Set(orders.map((o) => o.customer)).size,
    });
    expect(items.table.rows.map((row) => row.key).sort()).toEqual(ITEMS.map((item) => `service:${item}`).sort());
    expect(items.table.total.measures).toEqual({
      orders: { value: orders.length },
      quantity: { value: orders.length },
      amount: { value: orders.reduce((sum, o) => sum + o.amountFen, 0) / 100 },
    });

    const results = customers.flatMap((c) => c.checkups.map((r) => ({ ...r, customer: c.id })));
    const distinct = (filter: (r: (typeof results)[number]) => boolean) => new Set(results.filter(filter).map((r) => r.customer)).size;
    const outcome = (r: (typeof results)[number]) => (r.abnormal ? 'abnormal' : 'normal');
    const indicators = await report('abnormal-indicators');
    expect(indicators.table.columns).toEqual(['abnormal', 'normal', 'unknown']);
    expectPublishedMatches(indicators, {
      cell: (code, result) => distinct((r) => r.code === code && outcome(r) === result),
      row: (code) => distinct((r) => r.code === code),
      column: (result) => distinct((r) => outcome(r) === result),
      grand: distinct(() => true),
    });
    // the rate of a row is shown only with its counts: beside a hidden abnormal count it would give it away
    const open = indicators.table.rows.filter((row) => !row.cells.some(isHidden) && !isHidden(row.total));
    expect(open.length).toBeGreaterThan(0);
    for (const row of open) {
      const rate = Math.round((1000 * distinct((r) => r.code === row.key && r.abnormal)) / distinct((r) => r.code === row.key)) / 10;
      expect({ code: row.key, rate: row.measures.abnormalRate }).toEqual({ code: row.key, rate: { value: rate } });
    }
    for (const row of indicators.table.rows.filter((r) => r.cells.some(isHidden))) expect(row.measures.abnormalRate).toEqual({ suppressed: true, display: '<5' });
  });

  it('condition prevalence: customers on file by the vocabulary condition their health file records, synonyms as one, a rare condition and its complement hidden', async () => {
    const keysOf = (c: Customer) => {
      const keys = new Set(c.conditions.map((term) => (term === RARE_CONDITION[0] ? RARE_CONDITION[1] : CONDITION_KEYS[term])).filter((key): key is string => !!key));
      return keys.size > 0 ? [...keys] : ['none'];
    };
    const having = (key: string) => customers.filter((c) => keysOf(c).includes(key));
    expect(having(RARE_CONDITION[1]).length).toBe(3);
    const published = await report('condition-prevalence');
    expect(published.table.rows.map((row) => row.key)).toEqual([
      'hypertension',
      'diabetes',
      'dyslipidemia',
      'coronary_heart_disease',
      'stroke',
      'fatty_liver',
      'hyperuricemia',
      'copd',
      'asthma',
      'chronic_kidney_disease',
      'thyroid_nodule',
      'osteoporosis',
      'obesity',
      'cancer',
      'none',
    ]);
    expectPublishedMatches(published, { row: (key) => having(key).length, grand: customers.length });
    const row = (key: string) => published.table.rows.find((r) => r.key === key)!;
    expect(row(RARE_CONDITION[1]).total).toEqual({ suppressed: true, display: '<5' });
    expect(row(RARE_CONDITION[1]).measures.prevalence).toEqual({ suppressed: true, display: '<5' });
    // the smallest other non-zero row goes with it
    const others = published.table.rows.filter((r) => r.key !== RARE_CONDITION[1] && having(r.key).length > 0);
    const smallest = others.reduce((a, b) => (having(b.key).length < having(a.key).length ? b : a));
    expect(smallest.total).toEqual({ suppressed: true, display: '<5' });
    for (const shownRow of others.filter((r) => r !== smallest)) {
      expect({ key: shownRow.key, prevalence: shownRow.measures.prevalence }).toEqual({
        key: shownRow.key,
        prevalence: { value: Math.round((1000 * having(shownRow.key).length) / customers.length) / 10 },
      });
    }
    for (const empty of published.table.rows.filter((r) => having(r.key).length === 0)) expect([empty.total, empty.measures.prevalence]).toEqual([{ value: 0 }, { value: 0 }]);

    const byGender = await report('condition-prevalence', { columns: 'gender', tier: 'gold' });
    const gold = customers.filter((c) => c.tier === 'gold');
    const goldHaving = (key: string) => gold.filter((c) => keysOf(c).includes(key));
    expectPublishedMatches(byGender, {
      cell: (key, gender) => goldHaving(key).filter((c) => c.gender === gender).length,
      row: (key) => goldHaving(key).length,
      column: (gender) => gold.filter((c) => c.gender === gender).length,
      grand: gold.length,
    });
    // no customer was on file before the spec registered them
    const before = await report('condition-prevalence', { from: '2025-01-01', to: '2025-12-31' });
    expect(before.table.total.total).toEqual({ value: 0 });

    // no term of anyone's is in the report, nor in its CSV: the rows are the vocabulary's keys
    const csv = await api.request(`/v1/reports/condition-prevalence?${new URLSearchParams(PERIOD).toString()}&format=csv`, { headers: { authorization: `Bearer ${manager}` } });
    const lines: string[][] = parse(
      Buffer.from(await csv.arrayBuffer())
        .toString('utf8')
        .slice(1),
      { relax_column_count: true },
    );
    const expected = [
      ['condition', 'total', 'prevalence'],
      ...published.table.rows.map((r) => [r.key, text(r.total), text(r.measures.prevalence)]),
      ['total', text(published.table.total.total), text(published.table.total.measures.prevalence)],
    ];
    expect(lines.slice(0, expected.length)).toEqual(expected);
    for (const term of [...Object.keys(CONDITION_KEYS), RARE_CONDITION[0]]) expect(JSON.stringify([published, lines])).not.toContain(term);
  });

  it('abnormal-indicator rates: the share of check-ups finding each indicator abnormal, by indicator and by month, and one indicator by month', async () => {
    const results = customers.flatMap((c) => c.checkups.map((r) => ({ ...r, customer: c.id })));
    const visits = (filter: (r: (typeof results)[number]) => boolean) => new Set(results.filter(filter).map((r) => r.visit));
    const rate = (abnormal: number, all: number) => Math.round((1000 * abnormal) / all) / 10;
    const check = (published: Report, inRow: (key: string, r: (typeof results)[number]) => boolean) => {
      for (const row of published.table.rows) {
        const all = visits((r) => inRow(row.key, r)).size;
        const abnormal = visits((r) => inRow(row.key, r) && r.abnormal).size;
        if (isHidden(row.total)) {
          expect([row.measures.checkups, row.measures.abnormalCheckupRate]).toEqual([
            { suppressed: true, display: '<5' },
            { suppressed: true, display: '<5' },
          ]);
          continue;
        }
        // a row with no check-up has nothing to compute its measures from
        expect({ key: row.key, checkups: row.measures.checkups }).toEqual({ key: row.key, checkups: { value: all === 0 ? null : all } });
        const expected = row.cells.some(isHidden) ? { suppressed: true, display: '<5' } : { value: all === 0 ? null : rate(abnormal, all) };
        expect({ key: row.key, rate: row.measures.abnormalCheckupRate }).toEqual({ key: row.key, rate: expected });
      }
    };
    const byIndicator = await report('abnormal-indicators');
    check(byIndicator, (key, r) => r.code === key);
    expect(byIndicator.table.rows.filter((row) => !isHidden(row.total)).length).toBe(INDICATORS.length);
    const byMonth = await report('abnormal-indicators', { rows: 'month' });
    check(byMonth, (key, r) => r.date.startsWith(key));
    expect(byMonth.table.total.measures.checkups).toEqual({ value: visits(() => true).size });
    // one indicator by month; the code as typed in any case
    const glucose = await report('abnormal-indicators', { rows: 'month', indicator: 'glu' });
    check(glucose, (key, r) => r.code === 'GLU' && r.date.startsWith(key));
    expectPublishedMatches(glucose, {
      cell: (month, result) =>
        new Set(results.filter((r) => r.code === 'GLU' && r.date.startsWith(month) && (r.abnormal ? 'abnormal' : 'normal') === result).map((r) => r.customer)).size,
      row: (month) => new Set(results.filter((r) => r.code === 'GLU' && r.date.startsWith(month)).map((r) => r.customer)).size,
      column: (result) => new Set(results.filter((r) => r.code === 'GLU' && (r.abnormal ? 'abnormal' : 'normal') === result).map((r) => r.customer)).size,
      grand: new Set(results.filter((r) => r.code === 'GLU').map((r) => r.customer)).size,
    });
    expect(glucose.filters).toEqual({ indicator: 'glu' });
    const xlsx = await api.request(`/v1/reports/abnormal-indicators?${new URLSearchParams({ ...PERIOD, rows: 'month', indicator: 'GLU', format: 'xlsx' }).toString()}`, {
      headers: { authorization: `Bearer ${manager}` },
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
    const read: string[][] = [];
    workbook
      .getWorksheet('report')!
      .eachRow((row) => read.push((row.values as Array<string | number | null | undefined>).slice(1).map((value) => (value === null || value === undefined ? '' : String(value)))));
    const measures = glucose.table.rows.map((r) => [r.key, text(r.measures.checkups), text(r.measures.abnormalCheckupRate)]);
    const width = read[0].length;
    expect(read.slice(1, -1).map((line) => [line[0], line[width - 2] ?? '', line[width - 1] ?? ''])).toEqual(measures);
    expect((await get('/v1/reports/services?indicator=GLU')).body.errors).toEqual([{ path: 'query.indicator', message: 'is not a parameter of reports' }]);
  });

  it('downloads CSV (with a BOM) and XLSX that read back to the same figures, "<5" included', async () => {
    const json = await report('customer-structure', { rows: 'region', columns: 'gender' });
    const expected = [
      ['region', ...json.table.columns, 'total'],
      ...json.table.rows.map((row) => [row.key, ...row.cells.map(text), text(row.total)]),
      ['total', ...json.table.total.cells.map(text), text(json.table.total.total)],
    ];
    const query = new URLSearchParams({ ...PERIOD, rows: 'region', columns: 'gender' });
    const csv = await api.request(`/v1/reports/customer-structure?${query.toString()}&format=csv`, { headers: { authorization: `Bearer ${manager}` } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="customer-structure-2026-01-01-2026-06-30.csv"');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines: string[][] = parse(bytes.toString('utf8').slice(1), { relax_column_count: true });
    expect(lines.slice(0, expected.length)).toEqual(expected);
    expect(lines).toContainEqual(['minCell', '5']);

    const xlsx = await api.request(`/v1/reports/customer-structure?${query.toString()}`, {
      headers: { authorization: `Bearer ${manager}`, accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    });
    expect(xlsx.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('report')!;
    const read: string[][] = [];
    sheet.eachRow((row) => read.push((row.values as unknown[]).slice(1).map((value) => String(value))));
    expect(read).toEqual(expected);
    expect(typeof sheet.getRow(2).getCell(4).value === 'number' || sheet.getRow(2).getCell(4).value === '<5').toBe(true);
  });

  it('records each run, with no customer in it', async () => {
    const before = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'ReportRun'`)).rows[0].n as number;
    await report('services', { tier: 'gold' });
    const { rows } = await api.database.pool.query(`SELECT data, stream_id FROM ledger_events WHERE type = 'ReportRun' ORDER BY position DESC LIMIT 1`);
    expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'ReportRun'`)).rows[0].n).toBe(before + 1);
    expect(rows[0].stream_id).toBe('report-runs');
    expect(rows[0].data).toMatchObject({
      report: 'services',
      actor: 'manager-1',
      roles: ['manager'],
      from: PERIOD.from,
      to: PERIOD.to,
      filters: { tier: 'gold' },
      format: 'json',
      minCell: 5,
    });
    const text = JSON.stringify(rows[0].data);
    for (const customer of customers) expect(text).not.toContain(customer.id);
  });

  it('refuses bad parameters with 400 naming each, an unknown report with 404, and records no run for either', async () => {
    const before = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'ReportRun'`)).rows[0].n as number;
    const cases: Array<[string, string]> = [
      ['from=2026-13-01', 'query.from'],
      ['to=yesterday', 'query.to'],
      ['from=2026-06-02&to=2026-06-01', 'query.from'],
      ['from=2000-01-01&to=2026-06-01', 'query.from'],
      ['rows=name', 'query.rows'],
      ['rows=gender&columns=gender', 'query.columns'],
      ['format=pdf', 'query.format'],
      ['subjectId=abc', 'query.subjectId'],
      [`region=${'x'.repeat(101)}`, 'query.region'],
    ];
    for (const [query, path] of cases) {
      const refused = await get(`/v1/reports/customer-structure?${query}`);
      expect({ query, status: refused.status, paths: refused.body.errors?.map((e: { path: string }) => e.path) }).toEqual({ query, status: 400, paths: [path] });
    }
    expect((await get('/v1/reports/services?columns=staff')).body.errors).toEqual([{ path: 'query.columns', message: 'must be one of serviceType' }]);
    const unknown = await get('/v1/reports/everyone');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'report-not-found']);
    expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'ReportRun'`)).rows[0].n).toBe(before);
  });

  it('stops counting an erased customer', async () => {
    const erased = customers.find((c) => c.services.length > 0 && c.checkups.length > 0 && c.orders.length > 0 && c.customerType !== 'other' && c.province !== RARE_PROVINCE)!;
    const stored = await api.database.pool.query(`SELECT count(*)::int AS n FROM report_checkup_results WHERE subject_id = $1`, [erased.id]);
    expect(stored.rows[0].n).toBe(erased.checkups.length);
    const before = await report('customer-structure', { rows: 'gender', columns: 'tier' });
    await eraseOnRequest(api, erased.id);
    const after = await report('customer-structure', { rows: 'gender', columns: 'tier' });
    expect(after.table.total.total).toEqual({ value: shown(before.table.total.total)! - 1 });
    const services = await report('services', { rows: 'staff', columns: 'serviceType' });
    const rest = customers.filter((c) => c !== erased && c.services.length > 0);
    expect(services.table.total.total).toEqual({ value: rest.length });
    const facts = await api.database.pool.query(
      `SELECT (SELECT count(*) FROM report_checkup_results WHERE subject_id = $1)::int + (SELECT count(*) FROM report_order_items WHERE subject_id = $1)::int AS n`,
      [erased.id],
    );
    expect(facts.rows[0].n).toBe(0);
  });
});

function text(cell: Cell): string {
  return 'suppressed' in cell ? cell.display : cell.value === null ? '' : String(cell.value);
}
