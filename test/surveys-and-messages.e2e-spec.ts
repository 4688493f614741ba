import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenService } from '../libs/access-control/src/token.service';
import { OUTBOX_SETTINGS, FileTransport, OutboxSettings } from '../apps/ledger-api/src/messages/message-transports';
import { OutboxDispatcher } from '../apps/ledger-api/src/messages/outbox.dispatcher';
import { CareMessagesSweep } from '../apps/ledger-api/src/messages/care-messages.sweep';
import { MessagesService } from '../apps/ledger-api/src/messages/messages.service';
import { SurveyResponsesService } from '../apps/ledger-api/src/surveys/survey-responses.service';
import { startTestApi, TestApi } from './support/test-api';
import { bornYearsAgo, chinaDate, daysAfter } from './support/test-clock';
import { tokens } from './support/test-tokens';
import { customerRecordsHarness } from './support/customer-records';
import { eraseOnRequest } from './support/erasure-request';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';

/** Satisfaction surveys and the customer outbox over HTTP (issue #14 items 6 and 9), delivered by the file transport on the pinned clock. */
const HM = 'health-management';
const QUESTIONS = [
  { id: 'overall', kind: 'scale', text: '您对本次服务的总体满意度？' },
  { id: 'recommend', kind: 'nps', text: '您向亲友推荐我们的可能性有多大？' },
  { id: 'comment', kind: 'text', text: '其他意见或建议', required: false },
];
const COMMENT = '营养师讲解细致COMMENT-CANARY-41';
type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;

describe('surveys and messages over HTTP', () => {
  let api: TestApi;
  let call: Harness['call'];
  let as: Harness['as'];
  let register: Harness['register'];
  let read: Harness['read'];
  let departmentId: string;
  let manager: string;
  let surveyId: string;
  let outboxDir: string;
  const fresh = async () => ({ 'x-ledger-min-position': String(await api.logHead()) });
  const deliver = () => api.app.get(OutboxDispatcher).runOnce(api.clock());
  const recordService = async (subjectId: string, serviceType: string, staffId: string, daysAgo: number) => {
    const recorded = await call('POST', `/v1/subjects/${subjectId}/service-records`, as.health_manager, {
      serviceDate: chinaDate(-daysAgo),
      serviceType,
      staffId,
      content: '饮食与运动指导',
      purposeId: HM,
    });
    expect(recorded.status).toBe(201);
    return recorded.body.recordId as string;
  };
  const dispatch = async (recordId: string, body: Record<string, unknown> = {}) =>
    call('POST', `/v1/service-records/${recordId}/survey`, as.customer_service, { surveyId, purposeId: HM, ...body }, await fresh());

  beforeAll(async () => {
    api = await startTestApi();
    ({ call, as, register, read, departmentId } = await customerRecordsHarness(api));
    manager = await api.app.get(TokenService).sign({ sub: 'mgr-1', roles: ['manager'] });
    outboxDir = (api.app.get<OutboxSettings>(OUTBOX_SETTINGS).transports.email as FileTransport).directory;
  });
  afterAll(() => api.close());

  it('versions questionnaires: a change is a new version, the old one stays readable, an unchanged revision is nothing', async () => {
    expect((await call('POST', '/v1/surveys', as.health_manager, { title: '服务满意度', questions: QUESTIONS })).status).toBe(403);
    const bad = await call('POST', '/v1/surveys', manager, { title: '服务满意度', questions: [{ id: 'x', kind: 'stars', text: '?' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('questions[0].kind');
    const defined = await call('POST', '/v1/surveys', manager, { title: '服务满意度', questions: QUESTIONS.slice(0, 2) });
    expect(defined.status).toBe(201);
    expect(defined.body).toMatchObject({ version: 1, changed: true });
    surveyId = defined.body.surveyId;
    const revised = await call('PUT', `/v1/surveys/${surveyId}`, manager, { title: '服务满意度', questions: QUESTIONS });
    expect(revised.body).toMatchObject({ surveyId, version: 2, changed: true });
    const again = await call('PUT', `/v1/surveys/${surveyId}`, manager, { title: '服务满意度', questions: QUESTIONS });
    expect(again.body).toMatchObject({ version: 2, changed: false });
    expect((await call('GET', `/v1/surveys/${surveyId}?version=1`, as.customer_service)).body.questions).toHaveLength(2);
    expect((await call('GET', `/v1/surveys/${surveyId}`, as.customer_service)).body).toMatchObject({ version: 2, versions: [1, 2] });
    expect((await call('GET', '/v1/surveys', as.customer_service)).body.items).toEqual([expect.objectContaining({ surveyId, version: 2 })]);
  });

  it('dispatches after a service, delivers the invitation by the file transport, records the answers and computes CSAT and NPS', async () => {
    const [alice, bob, carol] = [await register(), await register(), await register()];
    const services = [
      { subjectId: alice, type: 'consultation', staff: 'hm-zhou', answers: { overall: 5, recommend: 10, comment: COMMENT } },
      { subjectId: bob, type: 'consultation', staff: 'hm-zhou', answers: { overall: 3, recommend: 6 } },
      { subjectId: carol, type: 'lecture', staff: 'hm-li', answers: { overall: 4, recommend: 9 } },
    ];
    const responses: string[] = [];
    for (const [index, service] of services.entries()) {
      const recordId = await recordService(service.subjectId, service.type, service.staff, index + 1);
      const dispatched = await dispatch(recordId, index === 2 ? { invite: false } : {});
      expect(dispatched.status).toBe(201);
      expect(dispatched.body).toMatchObject({ surveyId, surveyVersion: 2, channel: index === 2 ? null : 'email' });
      responses.push(dispatched.body.responseId);
      if (index === 0) expect((await dispatch(recordId)).body.code).toBe('survey-already-dispatched');
    }
    // the invitation: queued, sealed in the log, delivered on the next run to the file drop
    const invitation = (await read(`/v1/subjects/${alice}/messages`, as.customer_service)).body.items;
    expect(invitation).toEqual([expect.objectContaining({ kind: 'survey_invitation', status: 'queued', channel: 'email', recipient: 'zhang.wei@example.cn' })]);
    const run = await deliver();
    expect(run.sent).toHaveLength(2);
    expect(run.sent).toContain(invitation[0].messageId);
    const file = join(outboxDir, `${invitation[0].messageId}.json`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ to: 'zhang.wei@example.cn', body: expect.stringContaining(responses[0]) });
    expect((await read(`/v1/subjects/${alice}/messages`, as.customer_service)).body.items[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect((await deliver()).sent).toEqual([]); // nothing sent twice

    // answers: by the customer itself, by staff for the others; refused when malformed, twice, or someone else's
    const own = await tokens(api).subject(alice);
    expect((await call('POST', `/v1/survey-responses/${responses[0]}`, await tokens(api).subject(bob), { answers: services[0].answers })).status).toBe(403);
    const malformed = await call('POST', `/v1/survey-responses/${responses[0]}`, own, { answers: { overall: 7, recommend: 10 } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { path: string }) => e.path)).toEqual(['answers.overall']);
    expect((await call('POST', `/v1/survey-responses/${responses[0]}`, own, { answers: services[0].answers })).body).toMatchObject({ status: 'answered' });
    for (const index of [1, 2]) {
      const answered = await call('POST', `/v1/survey-responses/${responses[index]}`, as.customer_service, { answers: services[index].answers, purposeId: HM });
      expect(answered.status).toBe(200);
    }
    expect((await call('POST', `/v1/survey-responses/${responses[1]}`, as.customer_service, { answers: services[1].answers })).body.code).toBe('survey-already-answered');

    const listed = (await read(`/v1/subjects/${alice}/survey-responses`, as.customer_service)).body.items;
    expect(listed).toEqual([expect.objectContaining({ staffId: 'hm-zhou', serviceType: 'consultation', answeredVia: 'subject', comments: { comment: COMMENT } })]);

    // CSAT = share of 4–5 answers; NPS = % promoters (9–10) − % detractors (0–6), computed here from the answers given
    const score = (picked: typeof services) => {
      const scale = picked.map((s) => s.answers.overall);
      const nps = picked.map((s) => s.answers.recommend);
      const round = (value: number) => Math.round(value * 10) / 10;
      return {
        csat: round((100 * scale.filter((v) => v >= 4).length) / scale.length),
        nps: round((100 * (nps.filter((v) => v >= 9).length - nps.filter((v) => v <= 6).length)) / nps.length),
      };
    };
    const results = (by: string) => read(`/v1/surveys/${surveyId}/results?from=${chinaDate(-30)}&to=${chinaDate(0)}&by=${by}`, manager, undefined);
    const byStaff = (await results('staff')).body;
    expect(byStaff.total).toMatchObject({ responses: 3, ...score(services) });
    expect(byStaff.groups).toEqual([
      expect.objectContaining({ key: 'hm-li', responses: 1, ...score(services.slice(2)) }),
      expect.objectContaining({ key: 'hm-zhou', responses: 2, ...score(services.slice(0, 2)) }),
    ]);
    const byType = (await results('serviceType')).body;
    expect(byType.groups.map((g: { key: string }) => g.key)).toEqual(['consultation', 'lecture']);
    expect((await results('month')).body.groups.reduce((n: number, g: { responses: number }) => n + g.responses, 0)).toBe(3);
    expect(JSON.stringify(byStaff)).not.toMatch(new RegExp(`${alice}|${bob}|${carol}|COMMENT-CANARY`));
    expect((await read(`/v1/surveys/${surveyId}/results?from=${chinaDate(0)}&to=${chinaDate(-1)}&by=staff`, manager, undefined)).status).toBe(400);
    const unreal = await read(`/v1/surveys/${surveyId}/results?from=2026-02-30&to=${chinaDate(0)}&by=staff`, manager, undefined);
    expect([unreal.status, unreal.body.errors[0].path]).toEqual([400, 'query.from']);
    expect((await read(`/v1/surveys/${surveyId}/results?from=${chinaDate(-1)}&to=${chinaDate(0)}&by=staff`, as.health_manager, undefined)).status).toBe(403);
  });

  it('refuses marketing without an active marketing consent, and on a channel the customer did not choose', async () => {
    const subjectId = await register();
    const offer = { kind: 'marketing', subject: '秋季体检套餐', body: '老客户体检套餐八折', purposeId: 'marketing' };
    const refused = await call('POST', `/v1/subjects/${subjectId}/messages`, as.customer_service, offer, await fresh());
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('marketing-consent-required');
    expect((await call('POST', `/v1/subjects/${subjectId}/messages`, as.customer_service, { ...offer, purposeId: HM })).body.errors[0].path).toBe('purposeId');
    const consented = await call('POST', `/v1/subjects/${subjectId}/consents`, as.staff, {
      purposeId: 'marketing',
      categories: ['contact', 'preferences'],
      separate: false,
      noticeVersion: 'v1',
      channel: 'app',
    });
    expect(consented.status).toBe(201);
    const chose = await call('PATCH', `/v1/subjects/${subjectId}/data/preferences`, as.staff, { set: { marketingChannels: ['sms'] }, reason: 'update', purposeId: 'marketing' });
    expect(chose.status).toBe(200);
    const wrongChannel = await call('POST', `/v1/subjects/${subjectId}/messages`, as.customer_service, { ...offer, channel: 'email' }, await fresh());
    expect(wrongChannel.body.code).toBe('marketing-channel-not-chosen');
    const sent = await call('POST', `/v1/subjects/${subjectId}/messages`, as.customer_service, offer, await fresh());
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ kind: 'marketing', channel: 'sms', status: 'queued' });
    // the consent withdrawn before delivery: the sweep cancels the message instead of sending it
    await call('DELETE', `/v1/subjects/${subjectId}/consents/${consented.body.consentId}`, as.staff);
    await read(`/v1/subjects/${subjectId}`, as.staff); // the outbox's read model has the message
    const run = await deliver();
    expect(run.cancelled).toEqual([{ messageId: sent.body.messageId, reason: 'no-legal-basis' }]);
    expect(existsSync(join(outboxDir, `${sent.body.messageId}.json`))).toBe(false);
    const ops = await read('/v1/ops/outbox', await tokens(api).ops(), undefined);
    expect(ops.status).toBe(200);
    expect(ops.body.failures).toEqual(expect.arrayContaining([expect.objectContaining({ messageId: sent.body.messageId, status: 'cancelled', errorCode: 'no-legal-basis' })]));
    expect(JSON.stringify(ops.body)).not.toMatch(/example\.cn|\+86|体检套餐/);
  });

  it('queues birthday care and follow-up reminders once a day, by the ledger’s date in China', async () => {
    const born = bornYearsAgo(45);
    const body = registration();
    const registered = await call('POST', '/v1/subjects', as.staff, {
      ...body,
      data: { ...(body.data as object), identity: { name: '李娜', gender: 'female', birthDate: born }, identity_document: { type: 'resident_id', number: residentId(born, 7) } },
    });
    expect(registered.status).toBe(201);
    const birthday = registered.body.subjectId as string;
    expect((await call('PUT', `/v1/subjects/${birthday}/assignment`, as.staff, { departmentId })).status).toBe(200);
    const tomorrowTask = await call('POST', `/v1/subjects/${birthday}/follow-ups`, as.health_manager, { dueDate: chinaDate(1), channel: 'phone', purposeId: HM });
    const laterTask = await call('POST', `/v1/subjects/${birthday}/follow-ups`, as.health_manager, { dueDate: chinaDate(3), channel: 'phone', purposeId: HM });
    expect([tomorrowTask.status, laterTask.status]).toEqual([201, 201]);
    await read(`/v1/follow-ups?assignee=me`, as.health_manager, undefined);
    const sweep = api.app.get(CareMessagesSweep);
    const first = await sweep.runOnce(api.clock());
    expect(first.birthdays).toHaveLength(1);
    expect(first.followUpReminders).toHaveLength(1);
    const again = await sweep.runOnce(api.clock());
    expect([again.birthdays, again.followUpReminders]).toEqual([[], []]);
    const items = (await read(`/v1/subjects/${birthday}/messages`, as.health_manager)).body.items;
    expect(items.map((m: { kind: string }) => m.kind).sort()).toEqual(['birthday_care', 'follow_up_reminder']);
    const greeting = items.find((m: { kind: string }) => m.kind === 'birthday_care');
    expect(greeting.content.body).toContain('李娜');
    expect(items.find((m: { kind: string }) => m.kind === 'follow_up_reminder')).toMatchObject({ source: { kind: 'follow-up', ref: tomorrowTask.body.taskId } });
    // the next day: no birthday, and the later task is not due tomorrow yet
    const nextDay = await sweep.runOnce(daysAfter(1));
    expect([nextDay.birthdays, nextDay.followUpReminders]).toEqual([[], []]);
  });

  it('erasure cancels queued messages, shreds their content and the survey answers, and purges the read models', async () => {
    const subjectId = await register();
    const recordId = await recordService(subjectId, 'consultation', 'hm-zhou', 1);
    const dispatched = await dispatch(recordId);
    await call('POST', `/v1/survey-responses/${dispatched.body.responseId}`, as.customer_service, { answers: { overall: 2, recommend: 1, comment: COMMENT } });
    const manual = await call(
      'POST',
      `/v1/subjects/${subjectId}/messages`,
      as.customer_service,
      { kind: 'checkup_reminder', subject: '体检提醒', body: '请空腹BODY-CANARY-77', purposeId: HM },
      await fresh(),
    );
    expect(manual.status).toBe(201);

    const own = await tokens(api).subject(subjectId);
    const filed = await call('POST', '/v1/rights-requests', own, { subjectId, type: 'access', channel: 'app', requester: { kind: 'subject' } });
    await call('POST', `/v1/rights-requests/${filed.body.requestId}/fulfil`, await tokens(api).compliance());
    const exported = (await call('GET', `/v1/rights-requests/${filed.body.requestId}/export`, own)).body;
    expect(exported.records.messages.map((m: { kind: string }) => m.kind).sort()).toEqual(['checkup_reminder', 'survey_invitation']);
    expect(exported.records.surveyResponses).toEqual([expect.objectContaining({ comments: { comment: COMMENT }, scores: { scale: { overall: 2 }, nps: { recommend: 1 } } })]);

    await eraseOnRequest(api, subjectId);
    const rows = async (table: string) => (await api.database.pool.query(`SELECT status, recipient, content FROM ${table} WHERE subject_id = $1`, [subjectId])).rows;
    expect(await rows('outbox_messages')).toEqual([
      { status: 'cancelling', recipient: null, content: null },
      { status: 'cancelling', recipient: null, content: null },
    ]);
    expect((await api.database.pool.query(`SELECT * FROM survey_responses WHERE subject_id = $1`, [subjectId])).rows).toEqual([]);
    const run = await deliver();
    expect(run.cancelled.map((c) => c.messageId).sort()).toEqual([dispatched.body.messageId, manual.body.messageId].sort());
    expect(run.cancelled.map((c) => c.reason)).toEqual(['subject-erased', 'subject-erased']);
    expect(run.sent).not.toContain(manual.body.messageId); // the earlier tests' care messages go out in this run
    await read('/v1/ops/outbox', await tokens(api).ops(), undefined);
    expect(await rows('outbox_messages')).toEqual([]);

    const codec = api.app.get(MessagesService).codec;
    const { rows: queued } = await api.database.pool.query(`SELECT type, data FROM ledger_events WHERE type = 'MessageQueued' AND data->>'subjectId' = $1`, [subjectId]);
    expect(queued).toHaveLength(2);
    for (const row of queued) expect((await codec.open({ type: row.type, data: row.data })).data).toMatchObject({ recipient: '[erased]', content: '[erased]' });
    const { rows: answered } = await api.database.pool.query(`SELECT type, data FROM ledger_events WHERE type = 'SurveyAnswered' AND data->>'subjectId' = $1`, [subjectId]);
    expect((await api.app.get(SurveyResponsesService).codec.open({ type: answered[0].type, data: answered[0].data })).data).toMatchObject({ comments: '[erased]' });
    expect((await read(`/v1/subjects/${subjectId}/messages`, as.customer_service)).status).toBe(410);
  });

  it('keeps recipients, contents and free text out of the event log in clear, and out of the logs', async () => {
    const { rows } = await api.database.pool.query(`SELECT data::text AS data FROM ledger_events WHERE type LIKE 'Message%' OR type LIKE 'Survey%'`);
    expect(rows.length).toBeGreaterThan(10);
    const clear = /example\.cn|\+861|COMMENT-CANARY|BODY-CANARY|李娜|满意度调查：/;
    expect(rows.filter((row) => clear.test(row.data))).toEqual([]);
    expect(api.logLines.filter((line) => clear.test(line))).toEqual([]);
  });
});
