import { TokenService } from '../libs/access-control/src/token.service';
import { ProjectionFreshness } from '../apps/ledger-api/src/application/projection-freshness';
import { FollowUpSweep, occurrenceTaskId } from '../apps/ledger-api/src/follow-ups/follow-up.sweep';
import { FollowUpsService } from '../apps/ledger-api/src/follow-ups/follow-ups.service';
import { FollowUpPlansService } from '../apps/ledger-api/src/follow-ups/follow-up-plans.service';
import { RegistryService } from '../apps/ledger-api/src/registry/registry.service';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate, daysAfter, TEST_NOW } from './support/test-clock';
import { tokens } from './support/test-tokens';
import { customerRecordsHarness } from './support/customer-records';
import { eraseOnRequest } from './support/erasure-request';

/**
 * Recurring follow-up plans and the escalation of overdue tasks over HTTP, the sweep run at chosen
 * times of the ledger's clock (`runOnce`), as its timer would run it.
 */
const HM = 'health-management';
const REASON = '2型糖尿病季度随访：空腹血糖与用药依从性';
type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
interface Task {
  taskId: string;
  dueDate: string;
  status: string;
  note?: string;
  source: { kind: string; planId?: string; occurrence?: number };
  escalatedTo: string | null;
  escalatedAt: string | null;
}

describe('follow-up plans and escalation over HTTP', () => {
  let api: TestApi;
  let call: Harness['call'];
  let register: Harness['register'];
  let read: Harness['read'];
  let departmentId: string;
  let zhou: string;
  let manager: string;
  let sweep: FollowUpSweep;
  // the API's clock, moved forward where a request must be decided later (the sweep is given its time)
  let skewMs = 0;

  const fresh = async () => api.app.get(ProjectionFreshness).waitFor(['follow_up_plans', 'follow_up_tasks'], await api.logHead(), 5000);
  /** The sweep as its timer runs it, `days` after TEST_NOW, once the read models hold every write so far. */
  const sweepAt = async (days: number) => {
    await fresh();
    return sweep.runOnce(daysAfter(days));
  };
  const createPlan = (subjectId: string, overrides: Record<string, unknown> = {}, token = zhou) =>
    call('POST', `/v1/subjects/${subjectId}/follow-up-plans`, token, {
      every: 1,
      unit: 'months',
      startDate: chinaDate(60), // 2026-07-31: the months after lack the 31st, some of them
      occurrences: 3,
      leadDays: 2,
      channel: 'phone',
      reason: REASON,
      purposeId: HM,
      ...overrides,
    });
  const tasksOf = async (subjectId: string): Promise<Task[]> => (await read(`/v1/subjects/${subjectId}/follow-ups`, zhou)).body.items;
  const events = async (type: string) => (await api.database.pool.query(`SELECT stream_id, data, metadata FROM ledger_events WHERE type = $1 ORDER BY position`, [type])).rows;

  beforeAll(async () => {
    const start = Date.now();
    api = await startTestApi({}, { clock: () => new Date(Date.parse(TEST_NOW) + (Date.now() - start) + skewMs) });
    ({ call, register, read, departmentId } = await customerRecordsHarness(api));
    const signer = api.app.get(TokenService);
    zhou = await signer.sign({ sub: 'hm-zhou', roles: ['health_manager'], departmentId });
    manager = await signer.sign({ sub: 'mgr-qian', roles: ['manager'], departmentId });
    const headed = await call('PATCH', `/v1/departments/${departmentId}`, await tokens(api).admin(), { managerId: 'mgr-qian' });
    expect(headed.status).toBe(200);
    sweep = api.app.get(FollowUpSweep);
  });
  afterAll(() => api.close());

  it('escalates a task overdue past the admin’s delay to the department’s head once, recorded with the admin’s change, queued and counted', async () => {
    const admin = await tokens(api).admin();
    expect((await call('GET', '/v1/follow-up-rules/escalation', manager)).body).toEqual({ enabled: true, delayDays: 3 });
    const set = await call('PUT', '/v1/follow-up-rules/escalation', admin, { enabled: true, delayDays: 2 });
    expect([set.status, set.body.delayDays]).toEqual([200, 2]);
    expect((await call('PUT', '/v1/follow-up-rules/escalation', admin, { enabled: true, delayDays: 2 })).status).toBe(200); // unchanged: no event
    expect((await call('PUT', '/v1/follow-up-rules/escalation', admin, { enabled: true, delayDays: 91 })).body.errors).toEqual([expect.objectContaining({ path: 'delayDays' })]);
    expect((await call('PUT', '/v1/follow-up-rules/escalation', zhou, { enabled: false, delayDays: 2 })).status).toBe(403);
    const policies = await events('FollowUpEscalationPolicySet');
    expect(policies.map((row) => [row.data.delayDays, row.metadata.actor])).toEqual([[2, 'admin-li']]);

    const subjectId = await register();
    const opened = await call('POST', `/v1/subjects/${subjectId}/follow-ups`, zhou, { dueDate: chinaDate(1), channel: 'phone', note: '询问复查结果', purposeId: HM });
    const taskId = opened.body.taskId as string;
    // due 06-02, overdue from 06-03, escalated once overdue longer than two days: from 06-05
    expect((await sweepAt(3)).escalated).toEqual([]);
    const run = await sweepAt(4);
    expect(run).toMatchObject({ ran: true, escalated: [{ taskId, escalatedTo: 'mgr-qian' }], failed: [] });
    expect((await sweepAt(5)).escalated).toEqual([]);
    expect((await events('FollowUpTaskEscalated')).map((row) => [row.data.taskId, row.data.escalatedTo, row.metadata.actor])).toEqual([
      [taskId, 'mgr-qian', 'system:follow-up-sweep'],
    ]);

    const mine = await read('/v1/tasks?escalated=true&escalatedTo=me', manager, undefined);
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([expect.objectContaining({ taskId, escalatedTo: 'mgr-qian', escalatedAt: daysAfter(4).toISOString(), status: 'open' })]);
    expect((await read(`/v1/follow-ups?department=mine&escalated=true`, manager, undefined)).body.items.map((task: Task) => task.taskId)).toEqual([taskId]);
    expect((await read(`/v1/follow-ups?department=mine&escalated=false`, manager, undefined)).body.items).toEqual([]);
    expect((await tasksOf(subjectId))[0]).toMatchObject({ taskId, escalatedTo: 'mgr-qian' });
    const metrics = await (await api.request('/metrics', { headers: { authorization: `Bearer ${await tokens(api).ops()}` } })).text();
    expect(metrics).toContain(`pi_ledger_follow_up_escalations_total{department="${departmentId}"} 1`);
    expect(metrics).toContain(`pi_ledger_follow_ups_escalated{department="${departmentId}"} 1`);
    expect(metrics).toMatch(/pi_ledger_follow_ups_overdue\{department="[^"]*"\} \d+/); // the gauge stays

    // policy off: nothing more is escalated
    await call('PUT', '/v1/follow-up-rules/escalation', admin, { enabled: false, delayDays: 2 });
    await call('POST', `/v1/subjects/${subjectId}/follow-ups`, zhou, { dueDate: chinaDate(0), channel: 'sms', purposeId: HM });
    expect((await sweepAt(30)).escalated).toEqual([]);
    await call('POST', `/v1/follow-ups/${taskId}/complete`, zhou, { outcome: '已联系', purposeId: HM });
    await call('PUT', '/v1/follow-up-rules/escalation', admin, { enabled: true, delayDays: 2 });
  });

  it('opens each occurrence of a plan once as the clock moves, on month ends, until its count, also when sweeps run at once', async () => {
    const subjectId = await register();
    const created = await createPlan(subjectId);
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const planId = created.body.planId as string;
    expect(created.body.plan).toMatchObject({ status: 'active', nextDueDate: '2026-07-31', reason: REASON, assignee: null, department: departmentId });

    expect((await sweepAt(57)).opened).toEqual([]); // 07-28: the first task opens two days ahead, on 07-29
    const first = await sweepAt(58);
    expect(first.opened).toEqual([{ planId, occurrence: 1, taskId: occurrenceTaskId(planId, 1) }]);
    expect((await sweepAt(58)).opened).toEqual([]);
    expect((await sweepAt(70)).opened).toEqual([]);
    // two sweeps at once: one holds the lock, the task opens once
    await fresh();
    const together = await Promise.all([sweep.runOnce(daysAfter(89)), sweep.runOnce(daysAfter(89))]);
    expect(together.flatMap((run) => run.opened)).toEqual([{ planId, occurrence: 2, taskId: occurrenceTaskId(planId, 2) }]);

    // a sweep that stopped after opening the third task but before recording it: the next run records it, opening nothing twice
    const purpose = (await api.app.get(RegistryService).current()).purposes[HM];
    await api.app
      .get(FollowUpsService)
      .openAuthorized(
        subjectId,
        { dueDate: '2026-09-30', assignee: 'hm-zhou', department: departmentId, channel: 'phone', source: { kind: 'plan', planId, occurrence: 3 }, note: REASON },
        purpose,
        { actor: { id: 'system:follow-up-sweep', roles: [] }, correlationId: 'crash', causationId: 'crash' },
        { taskId: occurrenceTaskId(planId, 3), now: daysAfter(119) },
      );
    const third = await sweepAt(119);
    expect(third).toMatchObject({ opened: [{ planId, occurrence: 3 }], plansEnded: [{ planId, cause: 'count-reached' }], failed: [] });
    expect((await sweepAt(200)).opened).toEqual([]);

    const tasks = (await tasksOf(subjectId)).filter((task) => task.source.kind === 'plan');
    expect(tasks.map((task) => [task.dueDate, task.source.occurrence, task.note])).toEqual([
      ['2026-09-30', 3, REASON],
      ['2026-08-31', 2, REASON],
      ['2026-07-31', 1, REASON],
    ]);
    // no customer health manager assigned: the plan's creator takes the tasks
    expect((await read('/v1/follow-ups?assignee=hm-zhou', zhou, undefined)).body.items.filter((task: Task) => task.source.planId === planId)).toHaveLength(3);
    const plan = await call('GET', `/v1/follow-up-plans/${planId}`, zhou, undefined, { 'x-processing-purpose': HM });
    expect(plan.body).toMatchObject({ status: 'ended', nextOccurrence: 4, nextDueDate: null, reason: REASON });
    expect(await events('FollowUpPlanOccurrenceOpened')).toHaveLength(3);
  });

  it('pauses, resumes and ends a plan under If-Match; nothing opens while paused, and what fell due is skipped', async () => {
    const subjectId = await register();
    const planId = (await createPlan(subjectId, { every: 2, unit: 'weeks', startDate: chinaDate(7), occurrences: undefined, leadDays: 0 })).body.planId as string;
    const read1 = await call('GET', `/v1/follow-up-plans/${planId}`, zhou, undefined, { 'x-processing-purpose': HM });
    expect([read1.status, read1.headers.get('etag'), read1.body.nextDueDate]).toEqual([200, '"1"', '2026-06-08']);
    const paused = await call('POST', `/v1/follow-up-plans/${planId}/pause`, zhou, undefined, { 'if-match': '"1"' });
    expect([paused.status, paused.headers.get('etag'), paused.body.plan.status]).toEqual([200, '"2"', 'paused']);
    expect((await call('POST', `/v1/follow-up-plans/${planId}/resume`, zhou, {}, { 'if-match': '"1"' })).status).toBe(412);
    expect((await sweepAt(20)).opened.filter((o) => o.planId === planId)).toEqual([]);
    // resumed on 06-26: 06-08 and 06-22 fell due while paused and are skipped, the next is 07-06
    skewMs = daysAfter(25).getTime() - Date.parse(TEST_NOW);
    const resumed = await call('POST', `/v1/follow-up-plans/${planId}/resume`, zhou, {}, { 'if-match': '"2"' });
    skewMs = 0;
    expect([resumed.status, resumed.headers.get('etag')]).toEqual([200, '"3"']);
    expect(resumed.body.plan).toMatchObject({ status: 'active', nextOccurrence: 3, nextDueDate: '2026-07-06' });
    expect((await sweepAt(34)).opened.filter((o) => o.planId === planId)).toEqual([]);
    expect((await sweepAt(35)).opened.filter((o) => o.planId === planId)).toEqual([{ planId, occurrence: 3, taskId: occurrenceTaskId(planId, 3) }]);
    const ended = await call('POST', `/v1/follow-up-plans/${planId}/end`, zhou, undefined, { 'if-match': '"4"' });
    expect([ended.status, ended.body.plan.status]).toEqual([200, 'ended']);
    expect((await call('POST', `/v1/follow-up-plans/${planId}/end`, zhou)).body.code).toBe('follow-up-plan-ended');
    expect((await call('POST', `/v1/follow-up-plans/${planId}/resume`, zhou, {})).status).toBe(409);
    expect((await sweepAt(60)).opened.filter((o) => o.planId === planId)).toEqual([]);
    expect((await call('POST', '/v1/follow-up-plans/0190aaaa-0000-7000-8000-000000000001/pause', zhou)).status).toBe(404);
    expect((await call('POST', `/v1/follow-up-plans/${planId}/pause`, manager)).status).toBe(403);
  });

  it('refuses bad input naming the field, and roles or purposes without a basis, writing nothing', async () => {
    const subjectId = await register();
    const before = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id LIKE 'follow-up-plan-%'`)).rows[0].n;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ startDate: chinaDate(-1) }, 'startDate'],
      [{ startDate: '2026-02-30' }, 'startDate'],
      [{ endDate: chinaDate(10) }, 'endDate'],
      [{ unit: 'years' }, 'unit'],
      [{ every: 0 }, 'every'],
      [{ occurrences: 0 }, 'occurrences'],
      [{ leadDays: 91 }, 'leadDays'],
      [{ reason: '' }, 'reason'],
      [{ channel: 'pigeon' }, 'channel'],
    ];
    for (const [overrides, path] of cases) {
      const refused = await createPlan(subjectId, overrides);
      expect({ path, status: refused.status }).toEqual({ path, status: 400 });
      expect(refused.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    }
    expect((await createPlan(subjectId, { purposeId: 'research' })).body.code).toBe('category-not-in-purpose');
    expect((await createPlan(subjectId, {}, manager)).status).toBe(403);
    const outsider = await api.app.get(TokenService).sign({ sub: 'hm-far', roles: ['health_manager'], departmentId: '0190aaaa-0000-7000-8000-00000000000f' });
    expect((await createPlan(subjectId, {}, outsider)).body.code).toBe('outside-assignment');
    expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id LIKE 'follow-up-plan-%'`)).rows[0].n).toBe(before);
  });

  it('exports a customer’s plans with their reasons; erasure ends the plans, purges their rows and shreds the reason', async () => {
    const subjectId = await register();
    const other = await register();
    const planId = (await createPlan(subjectId, { startDate: chinaDate(300) })).body.planId as string;
    const kept = (await createPlan(other, { startDate: chinaDate(300) })).body.planId as string;
    const own = await tokens(api).subject(subjectId);
    const filed = await call('POST', '/v1/rights-requests', own, { subjectId, type: 'copy', channel: 'app', requester: { kind: 'subject' } });
    await call('POST', `/v1/rights-requests/${filed.body.requestId}/fulfil`, await tokens(api).compliance());
    const exported = await call('GET', `/v1/rights-requests/${filed.body.requestId}/export`, own);
    expect(exported.body.records.followUpPlans).toEqual([expect.objectContaining({ planId, reason: REASON, status: 'active' })]);
    const listed = await read(`/v1/subjects/${subjectId}/follow-up-plans`, own, undefined);
    expect(listed.body.items).toEqual([expect.objectContaining({ planId, reason: REASON })]);

    await eraseOnRequest(api, subjectId);
    const { rows } = await api.database.pool.query(`SELECT plan_id FROM follow_up_plans WHERE plan_id = ANY($1)`, [[planId, kept]]);
    expect(rows.map((row) => row.plan_id)).toEqual([kept]);
    const ends = (await events('FollowUpPlanEnded')).filter((row) => row.data.planId === planId);
    expect(ends.map((row) => row.data.cause)).toEqual(['subject-erased']);
    expect((await sweepAt(300)).opened.map((o) => o.planId)).toEqual([kept]);
    const codec = api.app.get(FollowUpPlansService).codec;
    const [stored] = (await events('FollowUpPlanCreated')).filter((row) => row.data.planId === planId);
    expect(((await codec.open({ type: 'FollowUpPlanCreated', data: stored.data })).data as { reason: unknown }).reason).toBe('[erased]');
    expect((await call('GET', `/v1/follow-up-plans/${planId}`, zhou, undefined, { 'x-processing-purpose': HM })).status).toBe(410);
  });
});
