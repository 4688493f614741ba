import { startTestApi, TestApi } from './support/test-api';
import { chinaDate } from './support/test-clock';
import { tokens } from './support/test-tokens';
import { customerRecordsHarness } from './support/customer-records';

/** A customer's timeline over HTTP: every kind in date order, paged, each role seeing only the kinds it may read, the read recorded. */
const HM = 'health-management';
const WITH_CONSUMPTION = { consents: [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption'], separate: true }] };
const LONG_CONTENT = '针对糖尿病前期的低GI饮食指导，讲解食物交换份，建议每周记录饮食日志并在两周后复诊评估空腹血糖与体重变化情况，必要时转诊内分泌科进一步检查。'.repeat(2);
type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
interface Entry {
  kind: string;
  date: string;
  id: string;
  summary: Record<string, unknown>;
}

describe('a customer’s timeline over HTTP', () => {
  let api: TestApi;
  let call: Harness['call'];
  let as: Harness['as'];
  let read: Harness['read'];
  let subjectId: string;
  const ids: Record<string, string> = {};

  const timeline = async (token: string, query = '', purpose: string | undefined = HM) => read(`/v1/subjects/${subjectId}/timeline${query}`, token, purpose);
  const created = async (response: Promise<{ status: number; body: Record<string, unknown> }>, idOf: string, name: string) => {
    const { status, body } = await response;
    if (status !== 201) throw new Error(`${name} not created: ${status} ${JSON.stringify(body)}`);
    ids[name] = body[idOf] as string;
  };

  beforeAll(async () => {
    api = await startTestApi();
    let register: Harness['register'];
    ({ call, as, register, read } = await customerRecordsHarness(api));
    subjectId = await register(WITH_CONSUMPTION);
    const post = (path: string, token: string, body: Record<string, unknown>) => call('POST', `/v1/subjects/${subjectId}/${path}`, token, { purposeId: HM, ...body });
    const service = (days: number, content: string) => post('service-records', as.health_manager, { serviceDate: chinaDate(days), serviceType: 'consultation', content });
    const order = (days: number, unitPriceFen: number) =>
      post('orders', as.front_desk, { orderDate: chinaDate(days), items: [{ kind: 'service', code: 'PKG', name: '标准体检套餐', quantity: 1, unitPriceFen }] });
    await created(service(-10, '营养咨询'), 'recordId', 'oldService');
    await created(order(-20, 68_000), 'orderId', 'oldOrder');
    await created(
      post('checkups', as.health_manager, {
        visitDate: chinaDate(-5),
        institution: '某某体检中心',
        results: [
          { code: 'GLU', name: '空腹血糖', value: 7.2, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } },
          { code: 'TC', name: '总胆固醇', value: 4.1, unit: 'mmol/L', referenceRange: { low: 2.8, high: 5.2 } },
        ],
        conclusions: ['空腹血糖偏高'],
      }),
      'visitId',
      'checkup',
    );
    await created(service(-2, LONG_CONTENT), 'recordId', 'service');
    await created(order(-1, 128_000), 'orderId', 'order');
    await created(post('follow-ups', as.health_manager, { dueDate: chinaDate(3), channel: 'phone', note: '提醒复查空腹血糖' }), 'taskId', 'followUp');
  });
  afterAll(() => api.close());

  it('lists every kind newest first with short summaries, in pages that neither skip nor repeat', async () => {
    const first = await timeline(as.staff, '?limit=4');
    expect(first.status).toBe(200);
    expect(first.body.kinds).toEqual(['service', 'checkup', 'follow_up', 'order', 'complaint', 'survey']);
    const second = await timeline(as.staff, `?limit=4&cursor=${first.body.nextCursor}`);
    expect(second.body.nextCursor).toBeNull();
    const entries: Entry[] = [...first.body.items, ...second.body.items];
    expect(entries.map((entry) => [entry.kind, entry.id, entry.date])).toEqual([
      ['follow_up', ids.followUp, chinaDate(3)],
      ['order', ids.order, chinaDate(-1)],
      ['service', ids.service, chinaDate(-2)],
      ['checkup', ids.checkup, chinaDate(-5)],
      ['service', ids.oldService, chinaDate(-10)],
      ['order', ids.oldOrder, chinaDate(-20)],
    ]);
    const summary = (kind: string) => entries.find((entry) => entry.kind === kind)?.summary;
    expect(summary('follow_up')).toEqual({ status: 'open', channel: 'phone', assignee: 'health_manager-1', source: 'manual', note: '提醒复查空腹血糖' });
    expect(summary('order')).toMatchObject({ status: 'placed', amountFen: 128_000, refundedFen: 0, paymentMethod: null, items: ['标准体检套餐'], itemCount: 1 });
    expect((summary('order') as { orderNumber: string }).orderNumber).toMatch(/^O2026\d{6}$/);
    expect(summary('checkup')).toEqual({ institution: '某某体检中心', package: null, results: 2, abnormal: 1 });
    // a summary shows the start of a long text, never the whole record
    expect(summary('service')).toEqual({ serviceType: 'consultation', staffId: 'health_manager-1', content: `${LONG_CONTENT.slice(0, 80)}…` });
  });

  it('keeps to the kinds asked for', async () => {
    const some = await timeline(as.staff, '?kinds=order,checkup');
    expect(some.body.items.map((entry: Entry) => entry.id)).toEqual([ids.order, ids.checkup, ids.oldOrder]);
    const refused = await timeline(as.staff, '?kinds=order,visit');
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'query.kinds' })]);
    expect((await timeline(as.staff, '?cursor=bm9wZQ')).body.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
  });

  it('leaves out the kinds a role may not read: customer service sees no check-ups nor orders, the front desk only orders', async () => {
    const service = await timeline(as.customer_service);
    expect(service.body.kinds).toEqual(['service', 'follow_up', 'complaint', 'survey']);
    expect(service.body.items.map((entry: Entry) => entry.kind)).toEqual(['follow_up', 'service', 'service']);
    const manager = await timeline(as.health_manager);
    expect(manager.body.items.map((entry: Entry) => entry.kind)).toEqual(['follow_up', 'service', 'checkup', 'service']);
    const desk = await timeline(as.front_desk);
    expect(desk.body.items.map((entry: Entry) => entry.id)).toEqual([ids.order, ids.oldOrder]);
    // asking only for what the role may not read is an empty timeline, not an error
    expect((await timeline(as.front_desk, '?kinds=checkup')).body).toEqual({ kinds: [], items: [], nextCursor: null });
  });

  it('is purpose-checked and recorded with the categories it showed', async () => {
    expect((await timeline(as.staff, '', 'research')).body.code).toBe('no-legal-basis');
    expect((await timeline(as.staff, '', '')).body.code).toBe('purpose-required');
    const own = await timeline(await tokens(api).subject(subjectId), '', undefined);
    expect(own.body.items).toHaveLength(6);
    const log = await read(`/v1/audit/access?subjectId=${subjectId}`, await tokens(api).compliance(), undefined);
    const viaTimeline = log.body.items.filter((item: { via: string }) => item.via === 'timeline');
    const byActor = (actor: string) => viaTimeline.filter((item: { actor: string }) => item.actor === actor).map((item: { categories: string[] }) => item.categories);
    expect(byActor('customer_service-1')).toEqual([['service_interactions']]);
    expect(byActor('front_desk-1')).toEqual([['consumption']]);
    expect(byActor('staff-1')).toContainEqual(['service_interactions', 'health_records', 'consumption']);
    expect(byActor('staff-1')).toContainEqual(['health_records', 'consumption']); // ?kinds=order,checkup
  });

  it('shows complaints by the day they were received, without their text', async () => {
    const filed = await call('POST', `/v1/subjects/${subjectId}/complaints`, as.health_manager, {
      purposeId: HM,
      channel: 'phone',
      category: 'service_attitude',
      severity: 'medium',
      description: '前台接待等待时间过长',
    });
    expect(filed.status).toBe(201);
    const complaints = await read(`/v1/subjects/${subjectId}/timeline?kinds=complaint`, as.customer_service, HM);
    expect(complaints.body.items).toEqual([
      {
        kind: 'complaint',
        id: filed.body.complaintId,
        date: chinaDate(0),
        summary: { channel: 'phone', category: 'service_attitude', severity: 'medium', status: 'received', satisfaction: null },
      },
    ]);
    expect(JSON.stringify(complaints.body)).not.toContain('前台接待');
  });
});
