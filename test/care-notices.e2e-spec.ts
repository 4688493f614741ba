import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTBOX_SETTINGS, FileTransport, OutboxSettings } from '../apps/ledger-api/src/messages/message-transports';
import { OutboxDispatcher } from '../apps/ledger-api/src/messages/outbox.dispatcher';
import { CareMessagesSweep } from '../apps/ledger-api/src/messages/care-messages.sweep';
import { RightsFulfilment } from '../apps/ledger-api/src/rights/requests/rights-fulfilment';
import { RightsRequestsService } from '../apps/ledger-api/src/rights/requests/rights-requests.service';
import type { RequestContext } from '../apps/ledger-api/src/application/request-context';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate, daysAfter } from './support/test-clock';
import { tokens } from './support/test-tokens';
import { customerRecordsHarness } from './support/customer-records';

/** Check-up reminders from the care sweep, and the notice that a requested correction was made (issue #14 item 9, PIPL Art. 46), over HTTP on the pinned clock. */
const HM = 'health-management';
const NEW_EMAIL = 'corrected.canary-63@example.cn';
type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
type Message = { messageId: string; kind: string; status: string; source: { kind: string; ref: string }; recipient: string; content: { subject: string; body: string } };

describe('check-up reminders and change notices', () => {
  let api: TestApi;
  let call: Harness['call'];
  let as: Harness['as'];
  let register: Harness['register'];
  let read: Harness['read'];
  let outboxDir: string;
  const deliver = () => api.app.get(OutboxDispatcher).runOnce(api.clock());
  const messages = async (subjectId: string, kind: string): Promise<Message[]> =>
    (await read(`/v1/subjects/${subjectId}/messages`, as.health_manager)).body.items.filter((m: Message) => m.kind === kind);
  const checkup = async (subjectId: string, daysAgo: number) => {
    const body = {
      visitDate: chinaDate(-daysAgo),
      package: '入职体检套餐',
      institution: '本中心',
      conclusions: [],
      results: [{ code: 'GLU', name: '空腹血糖', value: 5.1, unit: 'mmol/L' }],
      purposeId: HM,
    };
    expect((await call('POST', `/v1/subjects/${subjectId}/checkups`, as.health_manager, body)).status).toBe(201);
  };

  beforeAll(async () => {
    api = await startTestApi();
    ({ call, as, register, read } = await customerRecordsHarness(api));
    outboxDir = (api.app.get<OutboxSettings>(OUTBOX_SETTINGS).transports.email as FileTransport).directory;
  });
  afterAll(() => api.close());

  it('reminds a customer whose last check-up is 13 months old once per period, not a recent one nor a restricted one', async () => {
    const [due, recent, restricted] = [await register(), await register(), await register()];
    await checkup(due, 400);
    await checkup(due, 396); // the last one counts
    await checkup(recent, 30);
    await checkup(recent, 500);
    await checkup(restricted, 396);
    const restriction = await call('POST', `/v1/subjects/${restricted}/restrictions`, as.staff, { purposeIds: [HM], reason: '暂停服务' });
    expect(restriction.status).toBe(201);
    await read(`/v1/subjects/${due}`, as.staff); // the read models have the visits
    const sweep = api.app.get(CareMessagesSweep);

    const first = await sweep.runOnce(api.clock());
    expect(first.checkupReminders).toHaveLength(1);
    expect(first.skipped).toEqual({});
    const [reminder] = await messages(due, 'checkup_reminder');
    expect(reminder).toMatchObject({ messageId: first.checkupReminders[0], status: 'queued', source: { kind: 'checkup', ref: chinaDate(-396) } });
    expect(reminder.content.body).toContain('已满 13 个月');
    expect(await messages(recent, 'checkup_reminder')).toEqual([]);
    // the restricted customer's messages are not readable under the purpose: none in the outbox at all
    expect((await api.database.pool.query(`SELECT 1 FROM outbox_messages WHERE subject_id = $1`, [restricted])).rows).toEqual([]);
    // the same period: nothing more, however often the sweep runs
    expect((await sweep.runOnce(api.clock())).checkupReminders).toEqual([]);
    expect((await sweep.runOnce(daysAfter(30))).checkupReminders).toEqual([]);
    const sent = await deliver();
    expect(sent.sent).toContain(reminder.messageId);
    expect(JSON.parse(readFileSync(join(outboxDir, `${reminder.messageId}.json`), 'utf8'))).toMatchObject({ subject: '体检提醒', body: reminder.content.body });

    // a year later: the customer who did not come is reminded again, the then 13 months' one for the first time
    const nextYear = await sweep.runOnce(daysAfter(365));
    expect(nextYear.checkupReminders).toHaveLength(2);
    expect(nextYear.checkupReminders).not.toContain(reminder.messageId);
    const dueAgain = (await messages(due, 'checkup_reminder')).map((m) => m.messageId);
    expect(dueAgain).toHaveLength(2);
    expect(dueAgain).toContain(reminder.messageId);
    expect(await messages(recent, 'checkup_reminder')).toEqual([expect.objectContaining({ source: { kind: 'checkup', ref: chinaDate(-30) } })]);
  });

  it('tells the customer its correction was made: one notice to the corrected address, none more on a retry', async () => {
    const subjectId = await register();
    const own = await tokens(api).subject(subjectId);
    const compliance = await tokens(api).compliance();
    // filing looks the customer up in the read models: wait until they hold the registration
    expect((await call('GET', '/v1/stats/subjects', compliance, undefined, { 'x-ledger-min-position': String(await api.logHead()) })).status).toBe(200);
    const filed = await call('POST', '/v1/rights-requests', own, {
      subjectId,
      type: 'correction',
      channel: 'app',
      requester: { kind: 'subject' },
      details: { changes: [{ category: 'contact', purposeId: HM, set: { email: NEW_EMAIL } }] },
    });
    expect([filed.status, filed.body]).toEqual([201, expect.anything()]);
    const requestId = filed.body.requestId as string;
    // a first fulfilment that crashed after carrying the correction out, before recording its end
    const requests = api.app.get(RightsRequestsService);
    const officer: RequestContext = { actor: { id: 'compliance-1', roles: ['compliance_officer'] }, correlationId: 'crashed', causationId: 'crashed' };
    await requests.execute(requestId, officer, (_, now) => ({ type: 'StartRequest', now }));
    const crashed = await api.app.get(RightsFulfilment).perform((await requests.load(requestId)).state, officer);
    expect(crashed.notice).toEqual({ messageId: expect.any(String) });
    const { messageId } = crashed.notice as { messageId: string };
    // the officer retries over HTTP, twice: the same notice, queued once
    const fulfilled = await call('POST', `/v1/rights-requests/${requestId}/fulfil`, compliance);
    expect(fulfilled.status).toBe(200);
    expect(fulfilled.body).toMatchObject({ status: 'fulfilled', result: { notice: { messageId } } });
    expect((await call('POST', `/v1/rights-requests/${requestId}/fulfil`, compliance)).body.result.notice).toEqual({ messageId });

    const notices = await messages(subjectId, 'change_notice');
    expect(notices).toEqual([expect.objectContaining({ messageId, status: 'queued', recipient: NEW_EMAIL, source: { kind: 'rights-request', ref: requestId } })]);
    expect(notices[0].content.body).toContain(requestId);
    expect(notices[0].content.body).not.toContain(NEW_EMAIL);
    const run = await deliver();
    expect(run.sent).toContain(messageId);
    expect(JSON.parse(readFileSync(join(outboxDir, `${messageId}.json`), 'utf8'))).toMatchObject({ to: NEW_EMAIL, subject: '个人信息更正已完成' });
    expect((await deliver()).sent).not.toContain(messageId);
    expect((await messages(subjectId, 'change_notice')).map((m) => m.status)).toEqual(['sent']);
  });

  it('keeps addresses and texts out of the event log in clear and out of the logs', async () => {
    const { rows } = await api.database.pool.query(`SELECT data::text AS data FROM ledger_events WHERE type LIKE 'Message%' OR type LIKE 'RightsRequest%'`);
    const clear = /example\.cn|canary-63|体检提醒|个月|更正已完成/i;
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.filter((row) => clear.test(row.data))).toEqual([]);
    expect(api.logLines.filter((line) => clear.test(line))).toEqual([]);
  });
});
