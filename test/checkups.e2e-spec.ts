import { CheckupsService } from '../apps/ledger-api/src/checkups/checkups.service';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate } from './support/test-clock';
import { tokens } from './support/test-tokens';
import { customerRecordsHarness } from './support/customer-records';
import { eraseOnRequest } from './support/erasure-request';

/** Check-up records (体检) over HTTP: visits with flagged results, trends, the file's rules, erasure and export. */
const HM = 'health-management';
const visit = (overrides: Record<string, unknown> = {}) => ({
  visitDate: chinaDate(-30),
  package: '心脑血管深度筛查套餐',
  institution: '北京协和体检分院',
  results: [
    { code: 'GLU', name: '空腹血糖', value: 7.4, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } },
    { code: 'HBsAg', name: '乙肝表面抗原', value: '阴性' },
    { code: 'TC', name: '总胆固醇', value: 4.1, unit: 'mmol/L', referenceRange: { low: 2.8, high: 5.2, text: '2.8-5.2' } },
  ],
  conclusions: ['空腹血糖升高，疑似糖耐量受损，建议三个月后复查'],
  purposeId: HM,
  ...overrides,
});

type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;

describe('check-up records over HTTP', () => {
  let api: TestApi;
  let call: Harness['call'];
  let as: Harness['as'];
  let register: Harness['register'];
  let read: Harness['read'];
  let subjectId: string;

  const checkupEvents = async () => (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id LIKE 'checkup-%'`)).rows[0].n as number;

  beforeAll(async () => {
    api = await startTestApi();
    ({ call, as, register, read } = await customerRecordsHarness(api));
    subjectId = await register();
  });
  afterAll(() => api.close());

  it('records a visit, flags its results, lists it, reads it alone and records each read', async () => {
    const recorded = await call('POST', `/v1/subjects/${subjectId}/checkups`, as.health_manager, visit());
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({ visitId: expect.any(String), version: 1, position: expect.any(Number) });
    expect(recorded.body.visit.visit.results).toEqual([
      expect.objectContaining({ code: 'GLU', abnormal: true, abnormalSource: 'computed', direction: 'high' }),
      expect.objectContaining({ code: 'HBsAg', abnormal: null, abnormalSource: 'unknown' }),
      expect.objectContaining({ code: 'TC', abnormal: false, abnormalSource: 'computed' }),
    ]);
    const listed = await read(`/v1/subjects/${subjectId}/checkups`, as.health_manager);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ visitId: recorded.body.visitId, visitDate: chinaDate(-30), recordedBy: 'health_manager-1', visit: recorded.body.visit.visit }),
    ]);
    const one = await read(`/v1/subjects/${subjectId}/checkups/${recorded.body.visitId}`, as.health_manager);
    expect(one.body.visit.conclusions).toEqual(['空腹血糖升高，疑似糖耐量受损，建议三个月后复查']);
    expect((await read(`/v1/subjects/${subjectId}/checkups/0190aaaa-0000-7000-8000-000000000001`, as.health_manager)).body.code).toBe('checkup-not-found');
    // every read is an access record naming the category, never a value
    const log = await read(`/v1/audit/access?subjectId=${subjectId}`, await tokens(api).compliance(), undefined);
    const reads = log.body.items.filter((item: { via: string }) => item.via === 'checkups');
    expect(reads).toHaveLength(2); // the list and the visit: a visit not found showed nothing
    expect(reads[0]).toMatchObject({ categories: ['health_records'], purposeId: HM, revealed: [] });
  });

  it('gives an indicator’s trend across visits, oldest first, by code in any case', async () => {
    const second = await call(
      'POST',
      `/v1/subjects/${subjectId}/checkups`,
      as.health_manager,
      visit({ visitDate: chinaDate(-2), results: [{ code: 'glu', name: '空腹血糖', value: 6.0, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } }] }),
    );
    expect(second.status).toBe(201);
    const trend = await read(`/v1/subjects/${subjectId}/indicators/Glu/trend`, as.health_manager);
    expect(trend.status).toBe(200);
    expect(trend.body).toEqual({
      code: 'GLU',
      name: '空腹血糖',
      points: [
        expect.objectContaining({ visitDate: chinaDate(-30), value: 7.4, abnormal: true }),
        expect.objectContaining({ visitId: second.body.visitId, visitDate: chinaDate(-2), value: 6.0, abnormal: false }),
      ],
    });
    expect((await read(`/v1/subjects/${subjectId}/indicators/ALT/trend`, as.health_manager)).body).toEqual({ code: 'ALT', points: [] });
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const before = await checkupEvents();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ institution: undefined }, 'institution'],
      [{ visitDate: chinaDate(1) }, 'visitDate'],
      [{ visitDate: '2026-13-01' }, 'visitDate'],
      [{ results: [{ code: 'GLU', name: '空腹血糖', value: { x: 1 } }] }, 'results[0].value'],
      [
        {
          results: [
            { code: 'GLU', name: 'a', value: 1 },
            { code: 'glu', name: 'b', value: 2 },
          ],
        },
        'results[1].code',
      ],
      [{ results: [{ code: 'GLU', name: 'a', value: 1, referenceRange: { low: 9, high: 1 } }] }, 'results[0].referenceRange'],
      [{ conclusions: [''] }, 'conclusions'],
      [{ surprise: true }, 'surprise'],
    ];
    for (const [overrides, path] of cases) {
      const refused = await call('POST', `/v1/subjects/${subjectId}/checkups`, as.health_manager, JSON.parse(JSON.stringify(visit(overrides))));
      expect({ path, status: refused.status, code: refused.body.code }).toEqual({ path, status: 400, code: 'validation-failed' });
      expect(refused.body.errors.map((error: { path: string }) => error.path)).toContain(path);
      expect(JSON.stringify(refused.body)).not.toContain('北京协和体检分院');
    }
    expect((await read(`/v1/subjects/${subjectId}/indicators/bad%20code/trend`, as.health_manager)).status).toBe(400);
    expect(await checkupEvents()).toBe(before);
  });

  it('refuses roles the matrix does not let handle health records, and purposes without a basis', async () => {
    const before = await checkupEvents();
    const written = await call('POST', `/v1/subjects/${subjectId}/checkups`, as.front_desk, visit());
    expect([written.status, written.body.code, written.body.category]).toEqual([403, 'category-not-permitted', 'health_records']);
    expect((await read(`/v1/subjects/${subjectId}/checkups`, as.customer_service)).body.code).toBe('category-not-permitted');
    expect((await read(`/v1/subjects/${subjectId}/checkups`, as.health_manager, '')).body.code).toBe('purpose-required');
    expect((await read(`/v1/subjects/${subjectId}/checkups`, as.health_manager, 'marketing')).body.code).toBe('no-legal-basis');
    // health records are sensitive: a customer who gave no separate consent for them cannot have them recorded
    const unconsented = await register({ consents: [{ purposeId: HM, categories: ['identity_document', 'health'], separate: true }] });
    const refused = await call('POST', `/v1/subjects/${unconsented}/checkups`, as.health_manager, visit());
    expect([refused.status, refused.body.code]).toEqual([422, 'separate-consent-required']);
    // a restriction of the purpose stops writes and reads alike
    const restricted = await register();
    await call('POST', `/v1/subjects/${restricted}/checkups`, as.health_manager, visit());
    expect((await call('POST', `/v1/subjects/${restricted}/restrictions`, as.staff, { purposeIds: [HM], reason: '客户要求暂停' })).status).toBe(201);
    expect((await call('POST', `/v1/subjects/${restricted}/checkups`, as.health_manager, visit())).body.code).toBe('processing-restricted');
    expect((await read(`/v1/subjects/${restricted}/checkups`, as.health_manager)).body.code).toBe('processing-restricted');
    expect((await call('POST', `/v1/subjects/0190aaaa-0000-7000-8000-000000000009/checkups`, as.health_manager, visit())).status).toBe(404);
    expect(await checkupEvents()).toBe(before + 1);
  });

  it('opens a follow-up task for an abnormal result when the admin’s rule asks for it', async () => {
    const admin = await tokens(api).admin();
    expect((await call('GET', '/v1/follow-up-rules/abnormal-result', as.health_manager)).body).toMatchObject({ enabled: false });
    const customer = await register();
    expect((await call('POST', `/v1/subjects/${customer}/checkups`, as.health_manager, visit())).body.followUpTaskId).toBeNull();
    expect((await call('PUT', '/v1/follow-up-rules/abnormal-result', as.health_manager, { enabled: true, dueInDays: 3, channel: 'phone' })).status).toBe(403);
    const bad = await call('PUT', '/v1/follow-up-rules/abnormal-result', admin, { enabled: true, dueInDays: 400, channel: 'phone' });
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'dueInDays' })]);
    const set = await call('PUT', '/v1/follow-up-rules/abnormal-result', admin, { enabled: true, indicatorCodes: ['glu'], dueInDays: 3, channel: 'phone' });
    expect(set.body).toEqual({ enabled: true, indicatorCodes: ['GLU'], dueInDays: 3, channel: 'phone', assignee: null });

    const flagged = await call('POST', `/v1/subjects/${customer}/checkups`, as.health_manager, visit());
    expect(flagged.body.followUpTaskId).toEqual(expect.any(String));
    const queue = await read('/v1/follow-ups?assignee=me&status=open', as.health_manager, undefined);
    expect(queue.body.items).toEqual([
      expect.objectContaining({ taskId: flagged.body.followUpTaskId, subjectId: customer, dueDate: chinaDate(3), source: { kind: 'checkup', visitId: flagged.body.visitId } }),
    ]);
    const tasks = await read(`/v1/subjects/${customer}/follow-ups`, as.health_manager);
    expect(tasks.body.items[0].note).toBe('体检异常指标：空腹血糖（GLU）');
    // an abnormal result of an indicator the rule does not list opens nothing
    const other = await call(
      'POST',
      `/v1/subjects/${customer}/checkups`,
      as.health_manager,
      visit({ results: [{ code: 'TC', name: '总胆固醇', value: 9, referenceRange: { high: 5.2 } }] }),
    );
    expect(other.body.followUpTaskId).toBeNull();
    await call('PUT', '/v1/follow-up-rules/abnormal-result', admin, { enabled: false, dueInDays: 3, channel: 'phone' });
  });

  it('lets the customer read its own check-ups without a purpose, and no one else’s', async () => {
    const own = await tokens(api).subject(subjectId);
    const mine = await read(`/v1/subjects/${subjectId}/checkups`, own, undefined);
    expect([mine.status, mine.body.items.length]).toEqual([200, 2]);
    const other = await register();
    expect((await read(`/v1/subjects/${other}/checkups`, own, undefined)).status).toBe(403);
  });

  it('lists the visits in the access/copy export', async () => {
    const own = await tokens(api).subject(subjectId);
    const filed = await call('POST', '/v1/rights-requests', own, { subjectId, type: 'copy', channel: 'app', requester: { kind: 'subject' } });
    expect((await call('POST', `/v1/rights-requests/${filed.body.requestId}/fulfil`, await tokens(api).compliance())).status).toBe(200);
    const exported = await call('GET', `/v1/rights-requests/${filed.body.requestId}/export`, own);
    expect(exported.status).toBe(200);
    expect(exported.body.records.checkups).toHaveLength(2);
    expect(exported.body.records.checkups[1].visit).toMatchObject({ institution: '北京协和体检分院', conclusions: [expect.stringContaining('空腹血糖升高')] });
  });

  it('erasure shreds the visits: the read model is purged and their sealed events no longer open; another customer’s still do', async () => {
    const other = await register();
    await call('POST', `/v1/subjects/${other}/checkups`, as.health_manager, visit());
    await eraseOnRequest(api, subjectId);
    const { rows: left } = await api.database.pool.query(`SELECT count(*)::int AS n FROM checkup_visits WHERE subject_id = $1`, [subjectId]);
    expect(left[0].n).toBe(0);
    expect((await read(`/v1/subjects/${subjectId}/checkups`, as.health_manager)).status).toBe(410);
    const codec = api.app.get(CheckupsService).codec;
    const { rows } = await api.database.pool.query(`SELECT type, data FROM ledger_events WHERE type = 'CheckupRecorded' AND data->>'subjectId' = ANY($1)`, [[subjectId, other]]);
    const opened = await Promise.all(rows.map((row) => codec.open({ type: row.type, data: row.data })));
    const visits = (id: string) => opened.filter((event) => event.data.subjectId === id).map((event) => event.data.visit);
    expect(visits(subjectId)).toEqual(['[erased]', '[erased]']);
    expect(visits(other)).toEqual([expect.objectContaining({ institution: '北京协和体检分院' })]);
    expect((await read(`/v1/subjects/${other}/checkups`, as.health_manager)).body.items).toHaveLength(1);
  });
});
