import { TokenService } from '../libs/access-control/src/token.service';
import { ComplaintsService } from '../apps/ledger-api/src/complaints/complaints.service';
import { ComplaintEscalationSweep } from '../apps/ledger-api/src/complaints/complaint-escalation.sweep';
import type { ComplaintRow } from '../libs/read-models/src/projections/complaints/complaints.queries';
import { startTestApi, TestApi } from './support/test-api';
import { DAY_MS, movableClock } from './support/test-clock';
import { tokens } from './support/test-tokens';
import { customerRecordsHarness } from './support/customer-records';
import { eraseOnRequest } from './support/erasure-request';

/** Complaints (投诉) over HTTP: received, assigned, worked, replied, closed, reopened, escalated on deadlines, queued, scoped, exported, erased. */
const HM = 'health-management';
const DESCRIPTION = '体检当天排队超过两小时，前台无人解释';
const HEALTH_TEXT = '抽血后手臂淤青肿胀三天未消';
type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
type Row = ComplaintRow;

describe('complaints over HTTP', () => {
  let api: TestApi;
  let h: Harness;
  let subjectId: string;
  let departmentId: string;
  let manager: string;
  let outsider: string;
  // the ledger's clock, moved forward to pass deadlines
  const moved = movableClock();
  const at = () => api.clock();

  const complaintEvents = async () => (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id LIKE 'complaint-%'`)).rows[0].n as number;
  const file = (token: string, overrides: Record<string, unknown> = {}, id = subjectId) =>
    h.call('POST', `/v1/subjects/${id}/complaints`, token, { channel: 'phone', category: 'waiting_time', severity: 'high', description: DESCRIPTION, purposeId: HM, ...overrides });
  const step = (complaintId: string, action: string, token: string, body: unknown = {}, headers: Record<string, string> = {}) =>
    h.call('POST', `/v1/complaints/${complaintId}/${action}`, token, body, headers);
  const queue = async (query: string, token = manager) => h.read(`/v1/complaints?${query}`, token, undefined);
  const overdueMetric = async () => {
    const text = await (await api.request('/metrics', { headers: { authorization: `Bearer ${await tokens(api).ops()}` } })).text();
    return text.split('\n').filter((line) => line.startsWith('pi_ledger_complaints_overdue{'));
  };

  beforeAll(async () => {
    api = await startTestApi({}, { clock: moved.clock });
    h = await customerRecordsHarness(api);
    departmentId = h.departmentId;
    const signer = api.app.get(TokenService);
    manager = await signer.sign({ sub: 'mgr-qian', roles: ['manager'], departmentId });
    // the department's head is whom deadline escalations go to
    expect((await h.call('PATCH', `/v1/departments/${departmentId}`, await tokens(api).admin(), { managerId: 'mgr-qian' })).status).toBe(200);
    const elsewhere = await h.call('POST', '/v1/departments', await tokens(api).admin(), { code: 'vip', name: 'VIP 客服部' });
    outsider = await signer.sign({ sub: 'cs-other', roles: ['customer_service'], departmentId: elsewhere.body.departmentId });
    subjectId = await h.register();
  });
  afterAll(() => api.close());

  it('lives a complaint’s whole life, each step an event with its actor, the texts only in the recorded reads', async () => {
    const filed = await file(h.as.customer_service);
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ status: 'received', replyDueAt: new Date(Date.parse(filed.body.replyDueAt)).toISOString() });
    expect(Date.parse(filed.body.replyDueAt) - Date.parse(filed.body.resolutionDueAt)).toBe(24 * 3_600_000 - 7 * DAY_MS); // high: 24 h, 7 days
    const id = filed.body.complaintId as string;

    const inQueue = await queue('status=received');
    expect(inQueue.body.items).toEqual([expect.objectContaining({ complaintId: id, subjectId, department: departmentId, handler: null, severity: 'high', overdue: false })]);
    expect(JSON.stringify(inQueue.body)).not.toContain('排队');

    const assigned = await step(id, 'assign', manager, { handler: 'customer_service-1' });
    expect([assigned.status, assigned.body.status, assigned.headers.get('etag')]).toEqual([200, 'assigned', '"2"']);
    expect((await step(id, 'start', h.as.customer_service, {}, { 'if-match': '"2"' })).body.status).toBe('in_progress');
    expect((await step(id, 'notes', h.as.customer_service, { text: '已致电客户致歉', purposeId: HM })).status).toBe(200);
    expect((await step(id, 'reply', h.as.customer_service, { text: '已增加周末前台人手并致歉', purposeId: HM })).body.status).toBe('replied');
    const closed = await step(id, 'close', h.as.customer_service, { satisfaction: 4, purposeId: HM });
    expect([closed.status, closed.body.status, closed.body.version]).toEqual([200, 'closed', 6]);

    const one = await h.read(`/v1/subjects/${subjectId}/complaints/${id}`, h.as.customer_service);
    expect(one.status).toBe(200);
    expect(one.headers.get('etag')).toBe('"6"');
    expect(one.body).toMatchObject({ status: 'closed', description: DESCRIPTION, reply: '已增加周末前台人手并致歉', satisfaction: 4, handler: 'customer_service-1', version: 6 });
    expect(one.body.history.map((s: { type: string }) => s.type)).toEqual([
      'ComplaintReceived',
      'ComplaintAssigned',
      'ComplaintStarted',
      'ComplaintNoted',
      'ComplaintReplied',
      'ComplaintClosed',
    ]);
    expect(one.body.history.map((s: Record<string, unknown>) => s.receivedBy ?? s.assignedBy ?? s.startedBy ?? s.notedBy ?? s.repliedBy ?? s.closedBy)).toEqual([
      'customer_service-1',
      'mgr-qian',
      'customer_service-1',
      'customer_service-1',
      'customer_service-1',
      'customer_service-1',
    ]);
    expect(one.body.history[3]).toMatchObject({ note: '已致电客户致歉' });

    const listed = await h.read(`/v1/subjects/${subjectId}/complaints`, h.as.customer_service);
    expect(listed.body.items).toEqual([expect.objectContaining({ complaintId: id, status: 'closed', description: DESCRIPTION, satisfaction: 4 })]);
    const log = await h.read(`/v1/audit/access?subjectId=${subjectId}`, await tokens(api).compliance(), undefined);
    expect(log.body.items.filter((item: { via: string }) => item.via === 'complaints')).toHaveLength(2);
  });

  it('refuses steps the status does not allow (409 naming the status), a stale If-Match (412), and unknown complaints (404), writing nothing', async () => {
    const id = (await file(h.as.customer_service, { severity: 'low' })).body.complaintId as string;
    const before = await complaintEvents();
    const refused = await step(id, 'close', h.as.customer_service, { satisfaction: 5, purposeId: HM });
    expect([refused.status, refused.body.code, refused.body.complaintStatus, refused.body.command]).toEqual([409, 'complaint-invalid-transition', 'received', 'CloseComplaint']);
    expect((await step(id, 'reply', h.as.customer_service, { text: 'x', purposeId: HM })).body.code).toBe('complaint-invalid-transition');
    expect((await step(id, 'start', h.as.customer_service)).body.code).toBe('complaint-invalid-transition');
    expect((await step(id, 'assign', manager, { handler: 'cs-x' }, { 'if-match': '"7"' })).status).toBe(412);
    expect((await step('0190aaaa-0000-7000-8000-000000000001', 'start', h.as.customer_service)).status).toBe(404);
    expect(await complaintEvents()).toBe(before);
  });

  it('refuses bad input naming the field, and roles and purposes without a basis, writing nothing', async () => {
    const before = await complaintEvents();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ severity: 'urgent' }, 'severity'],
      [{ channel: 'pigeon' }, 'channel'],
      [{ category: 'food' }, 'category'],
      [{ description: '' }, 'description'],
      [{ department: 'two words' }, 'department'],
      [{ serviceRecordId: '0190aaaa-0000-7000-8000-000000000009' }, 'serviceRecordId'],
      [{ department: 'no-such-department' }, 'department'],
    ];
    for (const [overrides, path] of cases) {
      const refused = await file(h.as.customer_service, overrides);
      expect({ path, status: refused.status }).toEqual({ path, status: 400 });
      expect(refused.body.errors.map((error: { path: string }) => error.path)).toContain(path);
      expect(JSON.stringify(refused.body)).not.toContain('排队');
    }
    expect((await file(h.as.front_desk)).body.code).toBe('category-not-permitted');
    expect((await file(h.as.customer_service, { purposeId: 'research' })).body.code).toBe('category-not-in-purpose');
    expect((await file(h.as.customer_service, { holdsHealthData: true, description: HEALTH_TEXT })).body.code).toBe('category-not-permitted');
    expect((await file(manager)).status).toBe(403);
    const id = (await queue('status=received&severity=low')).body.items[0].complaintId as string;
    expect((await step(id, 'close', h.as.customer_service, { satisfaction: 9, purposeId: HM })).body.errors).toEqual([expect.objectContaining({ path: 'satisfaction' })]);
    expect((await queue('overdue=maybe')).body.errors).toEqual([expect.objectContaining({ path: 'overdue' })]);
    expect((await queue('cursor=bogus')).body.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
    expect(await complaintEvents()).toBe(before);
    expect(api.logLines.filter((line) => line.includes('排队') || line.includes('淤青'))).toEqual([]);
  });

  it('escalates each passed deadline once to the department’s head on the moved clock, counts it overdue, and escalates by hand', async () => {
    const id = (await file(h.as.customer_service, { severity: 'critical' })).body.complaintId as string;
    await step(id, 'assign', manager, { handler: 'customer_service-1' });
    const sweep = api.app.get(ComplaintEscalationSweep);
    await queue('status=assigned'); // the read model has the complaint
    expect((await sweep.runOnce(at())).escalated).toEqual([]);
    expect(await overdueMetric()).toEqual(['pi_ledger_complaints_overdue{department="",severity=""} 0']);

    moved.to(5 * 3_600_000); // critical: the reply is due within 4 hours
    expect(await overdueMetric()).toEqual([`pi_ledger_complaints_overdue{department="${departmentId}",severity="critical"} 1`]);
    expect((await queue('overdue=true')).body.items.map((row: Row) => row.complaintId)).toEqual([id]);
    const first = await sweep.runOnce(at());
    expect(first.escalated).toEqual([expect.objectContaining({ complaintId: id, trigger: 'reply_deadline', escalatedTo: ['mgr-qian'] })]);
    await queue('status=assigned');
    expect((await sweep.runOnce(at())).escalated).toEqual([]); // once per deadline

    moved.to(4 * DAY_MS); // and resolved within 3 days
    await queue('status=assigned');
    const late = (await sweep.runOnce(at())).escalated.filter((escalation) => escalation.complaintId === id);
    expect(late).toEqual([expect.objectContaining({ trigger: 'resolution_deadline' })]);
    const manual = await step(id, 'escalate', h.as.customer_service, { reason: '客户要求主任处理', purposeId: HM });
    expect(manual.status).toBe(200);
    const one = await h.read(`/v1/subjects/${subjectId}/complaints/${id}`, h.as.customer_service);
    expect(one.body.history.filter((s: { type: string }) => s.type === 'ComplaintEscalated')).toEqual([
      expect.objectContaining({ trigger: 'reply_deadline', escalatedBy: 'system:complaint-escalation', escalatedTo: ['mgr-qian'] }),
      expect.objectContaining({ trigger: 'resolution_deadline' }),
      expect.objectContaining({ trigger: 'manual', escalatedBy: 'customer_service-1', reason: '客户要求主任处理' }),
    ]);
    expect((await queue('overdue=true&severity=critical')).body.items).toEqual([expect.objectContaining({ complaintId: id, escalations: 3 })]);
    moved.to(0);
  });

  it('reopens a closed complaint with fresh deadlines, replies again and closes again', async () => {
    const id = (await file(h.as.customer_service, { severity: 'medium' })).body.complaintId as string;
    await step(id, 'assign', manager, { handler: 'customer_service-1' });
    await step(id, 'start', h.as.customer_service);
    await step(id, 'reply', h.as.customer_service, { text: '已退还挂号费', purposeId: HM });
    await step(id, 'close', h.as.customer_service, { purposeId: HM });
    moved.to(2 * DAY_MS);
    const reopened = await step(id, 'reopen', h.as.customer_service, { text: '退款未到账', purposeId: HM });
    expect(reopened.body).toMatchObject({ status: 'in_progress' });
    expect(Date.parse(reopened.body.replyDueAt)).toBeGreaterThan(at().getTime() + 47 * 3_600_000); // medium: 48 h from the reopening
    await step(id, 'reply', h.as.customer_service, { text: '财务已补退款', purposeId: HM });
    expect((await step(id, 'close', h.as.customer_service, { satisfaction: 5, purposeId: HM })).body.status).toBe('closed');
    const one = await h.read(`/v1/subjects/${subjectId}/complaints/${id}`, h.as.customer_service);
    expect(one.body).toMatchObject({ reply: '财务已补退款', satisfaction: 5 });
    expect(one.body.history.find((s: { type: string }) => s.type === 'ComplaintReopened')).toMatchObject({ reason: '退款未到账', reopenedBy: 'customer_service-1' });
    expect((await queue(`status=closed`)).body.items.find((row: Row) => row.complaintId === id)).toMatchObject({ reopened: 1 });
    moved.to(0);
  });

  it('filters the queue by status, severity, department and handler, pages it, and scopes it to the caller’s department', async () => {
    const mine = (await queue('assignee=me', h.as.customer_service)).body.items as Row[];
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect((await queue('severity=critical')).body.items.map((row: Row) => row.severity)).toEqual(['critical']);
    expect((await queue('status=closed&severity=high')).body.items).toHaveLength(1);
    const all = (await queue('department=mine')).body.items as Row[];
    const paged = await queue('department=mine&limit=2');
    const next = await queue(`department=mine&limit=2&cursor=${paged.body.nextCursor}`);
    expect([...paged.body.items, ...next.body.items].map((row: Row) => row.complaintId)).toEqual(all.slice(0, 4).map((row) => row.complaintId));

    // customer service of another department: neither the customer nor its complaints
    expect((await file(outsider)).body.code).toBe('outside-assignment');
    expect((await queue(`department=${departmentId}`, outsider)).status).toBe(403);
    expect((await queue('', outsider)).body.items).toEqual([]);
    expect((await h.read(`/v1/subjects/${subjectId}/complaints`, outsider)).status).toBe(403);
    expect((await step(all[0].complaintId, 'notes', outsider, { text: 'x', purposeId: HM })).body.code).toBe('outside-assignment');
  });

  it('seals a complaint holding health data under health_records: withheld from customer service, read by the health manager', async () => {
    const filed = await file(h.as.health_manager, { holdsHealthData: true, description: HEALTH_TEXT, category: 'checkup_quality' });
    expect(filed.status).toBe(201);
    const id = filed.body.complaintId as string;
    const listed = await h.read(`/v1/subjects/${subjectId}/complaints`, h.as.customer_service);
    const item = listed.body.items.find((c: { complaintId: string }) => c.complaintId === id);
    expect(item).toMatchObject({ holdsHealthData: true, textWithheld: true });
    expect(item.description).toBeUndefined();
    expect(JSON.stringify(listed.body)).not.toContain('淤青');
    expect((await h.read(`/v1/subjects/${subjectId}/complaints/${id}`, h.as.customer_service)).body.code).toBe('category-not-permitted');
    expect((await step(id, 'notes', h.as.customer_service, { text: 'x', purposeId: HM })).body.code).toBe('category-not-permitted');
    const one = await h.read(`/v1/subjects/${subjectId}/complaints/${id}`, h.as.health_manager);
    expect(one.body).toMatchObject({ holdsHealthData: true, description: HEALTH_TEXT });
    const { rows } = await api.database.pool.query(`SELECT data FROM ledger_events WHERE type = 'ComplaintReceived' AND data->>'complaintId' = $1`, [id]);
    expect(rows[0].data.description.category).toBe('health_records');
    expect(JSON.stringify(rows[0].data)).not.toContain('淤青');
  });

  it('keeps the deadline policy as an admin sets it, recorded with the actor; complaints received from then on take it', async () => {
    const policy = { replyHours: { low: 48, medium: 24, high: 8, critical: 2 }, resolutionDays: { low: 20, medium: 10, high: 5, critical: 2 } };
    expect((await h.call('PUT', '/v1/complaint-deadlines', manager, policy)).status).toBe(403);
    expect((await h.call('PUT', '/v1/complaint-deadlines', await tokens(api).admin(), { ...policy, replyHours: { ...policy.replyHours, high: 0 } })).body.errors).toEqual([
      expect.objectContaining({ path: 'replyHours.high' }),
    ]);
    expect((await h.call('PUT', '/v1/complaint-deadlines', await tokens(api).admin(), { ...policy, replyHours: { ...policy.replyHours, critical: 49 } })).body.errors).toEqual([
      expect.objectContaining({ path: 'replyHours.critical' }),
    ]);
    const set = await h.call('PUT', '/v1/complaint-deadlines', await tokens(api).admin(), policy);
    expect([set.status, set.body]).toEqual([200, policy]);
    expect((await h.call('GET', '/v1/complaint-deadlines', h.as.customer_service)).body).toEqual(policy);
    const { rows } = await api.database.pool.query(`SELECT metadata FROM ledger_events WHERE type = 'ComplaintDeadlinePolicySet'`);
    expect(rows.map((row) => row.metadata.actor)).toEqual(['admin-li']);
    const filed = await file(h.as.customer_service, { severity: 'high' });
    expect(Date.parse(filed.body.replyDueAt) - Date.parse(filed.body.resolutionDueAt)).toBe(8 * 3_600_000 - 5 * DAY_MS);
  });

  it('links a complaint to a service record of the same customer, and leaves the file’s own service_interactions.complaints list as it was', async () => {
    const service = await h.call('POST', `/v1/subjects/${subjectId}/service-records`, h.as.customer_service, {
      serviceDate: '2026-05-30',
      serviceType: 'checkup',
      content: '年度体检',
      purposeId: HM,
    });
    expect(service.status).toBe(201);
    const linked = await file(h.as.customer_service, { serviceRecordId: service.body.recordId });
    expect(linked.status).toBe(201);
    const other = await h.register();
    expect((await file(h.as.customer_service, { serviceRecordId: service.body.recordId }, other)).body.errors).toEqual([expect.objectContaining({ path: 'serviceRecordId' })]);
    const item = { date: '2026-05-20', summary: '旧系统导入的投诉记录', status: 'resolved' };
    expect((await h.call('POST', `/v1/subjects/${subjectId}/data/service_interactions/complaints/items`, h.as.customer_service, { item, purposeId: HM })).status).toBeLessThan(300);
    const profile = await h.read(`/v1/subjects/${subjectId}`, h.as.customer_service);
    expect(profile.body.data.service_interactions.complaints).toEqual([item]);
    expect((await h.read(`/v1/subjects/${subjectId}/complaints`, h.as.customer_service)).body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ complaintId: linked.body.complaintId, serviceRecordId: service.body.recordId })]),
    );
  });

  it('exports the complaints with every step, and erasure purges their rows and shreds their texts while other customers keep theirs', async () => {
    const own = await tokens(api).subject(subjectId);
    const filed = await h.call('POST', '/v1/rights-requests', own, { subjectId, type: 'copy', channel: 'app', requester: { kind: 'subject' } });
    await h.call('POST', `/v1/rights-requests/${filed.body.requestId}/fulfil`, await tokens(api).compliance());
    const exported = await h.call('GET', `/v1/rights-requests/${filed.body.requestId}/export`, own);
    expect(exported.body.records.complaints.length).toBeGreaterThanOrEqual(5);
    expect(exported.body.records.complaints).toEqual(expect.arrayContaining([expect.objectContaining({ description: HEALTH_TEXT }), expect.objectContaining({ satisfaction: 4 })]));

    const other = await h.register();
    await file(h.as.customer_service, { description: '另一位客户的投诉内容' }, other);
    await eraseOnRequest(api, subjectId);
    await queue('');
    const { rows: left } = await api.database.pool.query(`SELECT subject_id FROM complaints`);
    expect(left.map((row) => row.subject_id)).toEqual([other]);
    const codec = api.app.get(ComplaintsService).codec;
    const { rows } = await api.database.pool.query(`SELECT type, data FROM ledger_events WHERE type IN ('ComplaintReceived', 'ComplaintReplied', 'ComplaintNoted')`);
    const opened = await Promise.all(rows.map((row) => codec.open({ type: row.type, data: row.data })));
    const texts = (id: string) =>
      opened
        .filter((event) => event.data.subjectId === id)
        .map((event) => Object.values(event.data).find((value) => typeof value === 'object' && value !== null && 'text' in value));
    expect(new Set(texts(subjectId).map((value) => (value as { text: unknown }).text))).toEqual(new Set(['[erased]']));
    expect(texts(other).map((value) => (value as { text: unknown }).text)).toEqual(['另一位客户的投诉内容']);
    const { rows: clear } = await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE data::text LIKE '%排队%' OR data::text LIKE '%淤青%'`);
    expect(clear[0].n).toBe(0);
    expect((await h.read(`/v1/subjects/${subjectId}/complaints`, h.as.customer_service)).body.code).toBe('subject-erased');
  });
});
