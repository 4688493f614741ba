import { TokenService } from '../libs/access-control/src/token.service';
import { FollowUpsService } from '../apps/ledger-api/src/follow-ups/follow-ups.service';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate, daysAfter, TEST_NOW } from './support/test-clock';
import { tokens } from './support/test-tokens';
import { customerRecordsHarness } from './support/customer-records';
import { eraseOnRequest } from './support/erasure-request';

/** Follow-up tasks (回访) over HTTP: opened, queued per assignee and department, closed, counted overdue, erased, exported. */
const HM = 'health-management';
type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
interface Task {
  taskId: string;
  status: string;
  overdue: boolean;
  assignee: string;
  department: string | null;
}

describe('follow-up tasks over HTTP', () => {
  let api: TestApi;
  let call: Harness['call'];
  let as: Harness['as'];
  let register: Harness['register'];
  let read: Harness['read'];
  let subjectId: string;
  let zhou: string;
  let zhouManager: string;
  /** The harness's department, which its customers are assigned to. */
  let chronic: string;
  // the ledger's clock, moved forward to make tasks overdue
  let skewMs = 0;

  const taskEvents = async () => (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id LIKE 'follow-up-%'`)).rows[0].n as number;
  const open = (token: string, overrides: Record<string, unknown> = {}, id = subjectId) =>
    call('POST', `/v1/subjects/${id}/follow-ups`, token, { dueDate: chinaDate(3), channel: 'phone', note: '提醒复查空腹血糖并询问饮食执行情况', purposeId: HM, ...overrides });
  const overdueMetric = async () => {
    const text = await (await api.request('/metrics', { headers: { authorization: `Bearer ${await tokens(api).ops()}` } })).text();
    return text.split('\n').filter((line) => line.startsWith('pi_ledger_follow_ups_overdue{'));
  };

  beforeAll(async () => {
    const start = Date.now();
    api = await startTestApi({}, { clock: () => new Date(Date.parse(TEST_NOW) + (Date.now() - start) + skewMs) });
    ({ call, as, register, read, departmentId: chronic } = await customerRecordsHarness(api));
    const signer = api.app.get(TokenService);
    zhou = await signer.sign({ sub: 'hm-zhou', roles: ['health_manager'], departmentId: chronic });
    zhouManager = await signer.sign({ sub: 'mgr-qian', roles: ['manager'], departmentId: chronic });
    subjectId = await register();
  });
  afterAll(() => api.close());

  it('opens tasks into the assignee’s and the department’s queues, and shows notes only in the customer’s recorded list', async () => {
    const mine = await open(zhou);
    expect(mine.status).toBe(201);
    const forWang = await open(zhou, { assignee: 'hm-wang', department: chronic, dueDate: chinaDate(1), channel: 'wechat' });
    expect(forWang.status).toBe(201);
    const queue = await read('/v1/follow-ups?assignee=me&status=open', zhou, undefined);
    expect(queue.status).toBe(200);
    expect(queue.body.items).toEqual([
      expect.objectContaining({
        taskId: mine.body.taskId,
        subjectId,
        assignee: 'hm-zhou',
        department: chronic,
        channel: 'phone',
        status: 'open',
        overdue: false,
        dueDate: chinaDate(3),
      }),
    ]);
    expect(JSON.stringify(queue.body)).not.toContain('血糖');
    const department = await read('/v1/follow-ups?department=mine', zhouManager, undefined);
    expect(department.body.items.map((task: Task) => task.taskId)).toEqual([forWang.body.taskId, mine.body.taskId]);
    const paged = await read(`/v1/follow-ups?department=${chronic}&limit=1`, zhou, undefined);
    expect(paged.body.items).toHaveLength(1);
    const next = await read(`/v1/follow-ups?department=${chronic}&limit=1&cursor=${paged.body.nextCursor}`, zhou, undefined);
    expect(next.body).toEqual({ items: [expect.objectContaining({ taskId: mine.body.taskId })], nextCursor: null });

    const listed = await read(`/v1/subjects/${subjectId}/follow-ups`, as.health_manager);
    expect(listed.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ taskId: mine.body.taskId, note: '提醒复查空腹血糖并询问饮食执行情况' })]));
    const log = await read(`/v1/audit/access?subjectId=${subjectId}`, await tokens(api).compliance(), undefined);
    expect(log.body.items.filter((item: { via: string }) => item.via === 'follow-ups')).toEqual([expect.objectContaining({ categories: ['service_interactions'] })]);
  });

  it('completes, cancels and reassigns open tasks, and refuses changes to closed ones', async () => {
    const task = (await open(zhou)).body.taskId;
    const reassigned = await call('POST', `/v1/follow-ups/${task}/reassign`, zhouManager, { assignee: 'hm-li' });
    expect([reassigned.status, reassigned.body.status]).toEqual([200, 'open']);
    expect((await read('/v1/follow-ups?assignee=hm-li', zhou, undefined)).body.items).toEqual([expect.objectContaining({ taskId: task, department: null })]);
    const done = await call('POST', `/v1/follow-ups/${task}/complete`, as.health_manager, { outcome: '已复查，空腹血糖 5.8', purposeId: HM });
    expect([done.status, done.body.status]).toEqual([200, 'done']);
    expect((await call('POST', `/v1/follow-ups/${task}/cancel`, as.health_manager, { reason: 'x', purposeId: HM })).body.code).toBe('follow-up-not-open');
    const other = (await open(zhou)).body.taskId;
    expect((await call('POST', `/v1/follow-ups/${other}/cancel`, zhou, { reason: '客户已转院', purposeId: HM })).body.status).toBe('cancelled');
    const listed = await read(`/v1/subjects/${subjectId}/follow-ups`, as.health_manager);
    expect(listed.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ taskId: task, status: 'done', outcome: '已复查，空腹血糖 5.8', closedBy: 'health_manager-1' }),
        expect.objectContaining({ taskId: other, status: 'cancelled', reason: '客户已转院' }),
      ]),
    );
    expect((await call('POST', '/v1/follow-ups/0190aaaa-0000-7000-8000-000000000001/complete', zhou, { outcome: 'x', purposeId: HM })).status).toBe(404);
  });

  it('refuses bad input naming the field, and roles and purposes without a basis, writing nothing', async () => {
    const before = await taskEvents();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ dueDate: chinaDate(-1) }, 'dueDate'],
      [{ dueDate: '2026-02-30' }, 'dueDate'],
      [{ channel: 'pigeon' }, 'channel'],
      [{ assignee: 'two words' }, 'assignee'],
      [{ note: '' }, 'note'],
    ];
    for (const [overrides, path] of cases) {
      const refused = await open(zhou, overrides);
      expect({ path, status: refused.status }).toEqual({ path, status: 400 });
      expect(refused.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    }
    expect((await read('/v1/follow-ups?status=later', zhou, undefined)).body.errors).toEqual([expect.objectContaining({ path: 'status' })]);
    const noDepartment = await api.app.get(TokenService).sign({ sub: 'hm-new', roles: ['health_manager'] });
    expect((await read('/v1/follow-ups?department=mine', noDepartment, undefined)).body.errors).toEqual([expect.objectContaining({ path: 'query.department' })]);
    expect((await read('/v1/follow-ups?cursor=bogus', zhou, undefined)).body.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
    expect((await open(as.front_desk)).body.code).toBe('category-not-permitted');
    expect((await open(zhou, { purposeId: 'research' })).body.code).toBe('category-not-in-purpose');
    expect((await read(`/v1/subjects/${subjectId}/follow-ups`, as.front_desk)).body.code).toBe('category-not-permitted');
    expect((await read(`/v1/subjects/${subjectId}/follow-ups`, as.health_manager, 'research')).body.code).toBe('no-legal-basis');
    expect((await call('POST', `/v1/subjects/${subjectId}/follow-ups`, zhouManager, { dueDate: chinaDate(3), channel: 'phone', purposeId: HM })).status).toBe(403);
    expect(await taskEvents()).toBe(before);
  });

  it('counts open tasks past their due date in a Prometheus gauge per department, and lists them as overdue', async () => {
    expect(await overdueMetric()).toEqual(['pi_ledger_follow_ups_overdue{department=""} 0']);
    skewMs = daysAfter(2).getTime() - Date.parse(TEST_NOW); // the task due tomorrow is overdue from the day after
    expect(await overdueMetric()).toEqual([`pi_ledger_follow_ups_overdue{department="${chronic}"} 1`]);
    const overdue = await read(`/v1/follow-ups?department=${chronic}&overdue=true`, zhouManager, undefined);
    expect(overdue.body.items).toEqual([expect.objectContaining({ assignee: 'hm-wang', overdue: true, dueDate: chinaDate(1) })]);
    skewMs = 0;
  });

  it('exports the tasks with their notes, and erasure purges them and shreds their sealed values', async () => {
    const own = await tokens(api).subject(subjectId);
    const filed = await call('POST', '/v1/rights-requests', own, { subjectId, type: 'copy', channel: 'app', requester: { kind: 'subject' } });
    await call('POST', `/v1/rights-requests/${filed.body.requestId}/fulfil`, await tokens(api).compliance());
    const exported = await call('GET', `/v1/rights-requests/${filed.body.requestId}/export`, own);
    expect(exported.body.records.followUps.length).toBeGreaterThanOrEqual(4);
    expect(exported.body.records.followUps).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: '已复查，空腹血糖 5.8' })]));

    const other = await register();
    await open(zhou, {}, other);
    await eraseOnRequest(api, subjectId);
    const { rows: left } = await api.database.pool.query(`SELECT subject_id FROM follow_up_tasks`);
    expect(left.map((row) => row.subject_id)).toEqual([other]);
    const codec = api.app.get(FollowUpsService).codec;
    const { rows } = await api.database.pool.query(`SELECT type, data FROM ledger_events WHERE type IN ('FollowUpOpened', 'FollowUpCompleted')`);
    const opened = await Promise.all(rows.map((row) => codec.open({ type: row.type, data: row.data })));
    const sealed = (id: string) =>
      opened.filter((event) => event.data.subjectId === id).map((event) => (event.data as Record<string, unknown>).note ?? (event.data as Record<string, unknown>).outcome);
    expect(new Set(sealed(subjectId))).toEqual(new Set(['[erased]']));
    expect(sealed(other)).toEqual(['提醒复查空腹血糖并询问饮食执行情况']);
  });
});
