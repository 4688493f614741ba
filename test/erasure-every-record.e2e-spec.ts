import { Pool } from 'pg';
import { EVENT_STORE } from '../libs/event-store/src/event-store.module';
import { PostgresEventStore } from '../libs/event-store/src/postgres/postgres-event-store';
import { LEDGER_PROJECTIONS } from '../libs/read-models/src/read-models.module';
import { Projection } from '../libs/read-models/src/runner/projection';
import { rebuildProjection } from '../libs/read-models/src/runner/projection-rebuild';
import { OutboxDispatcher } from '../apps/ledger-api/src/messages/outbox.dispatcher';
import { customerRecordsHarness } from './support/customer-records';
import { eraseOnRequest } from './support/erasure-request';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate } from './support/test-clock';
import { tokens } from './support/test-tokens';

/** The read models of a customer's records, one per kind (issue #14). */
const RECORD_TABLES = ['checkup_visits', 'service_records', 'follow_up_tasks', 'follow_up_plans', 'orders', 'complaints', 'outbox_messages', 'survey_responses'];
/** What the access/copy export lists under `records`, one entry per kind. */
const EXPORTED_KINDS = ['checkups', 'serviceRecords', 'followUps', 'followUpPlans', 'orders', 'complaints', 'messages', 'surveyResponses'];
const HM = 'health-management';
type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;

/**
 * Issue #14 end to end: a customer with records of every kind (check-up, service, follow-up task and
 * plan, order with a refund, complaint, message, survey answer) is exported whole, then erased on
 * request; every projection is rebuilt from the log; no read model keeps a row of theirs, no data key
 * of theirs survives, no table holds any of their texts, and another customer's records are intact.
 */
describe('erasure of a customer with records of every kind', () => {
  let api: TestApi;
  let h: Harness;
  let erased: { subjectId: string; secrets: string[] };
  let kept: { subjectId: string; secrets: string[] };

  const ok = async (response: Promise<{ status: number; body: Record<string, unknown> }>, status = 201) => {
    const { status: got, body } = await response;
    if (got !== status) throw new Error(`expected ${status}, got ${got} ${JSON.stringify(body)}`);
    return body;
  };

  /** A customer, its records of every kind, each holding a text of its own. */
  async function customerWithEverything(tag: string) {
    const secrets = {
      conclusion: `${tag}空腹血糖偏高需复查`,
      service: `${tag}低盐饮食指导`,
      task: `${tag}电话询问血压记录`,
      plan: `${tag}高血压季度随访`,
      orderItem: `${tag}动态血压监测`,
      refund: `${tag}客户住院改期`,
      complaint: `${tag}候诊时间过长`,
      message: `${tag}请空腹前来复查`,
      survey: `${tag}希望增加周末门诊`,
    };
    const subjectId = await h.register({ consents: [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption'], separate: true }] });
    const post = (path: string, token: string, body: Record<string, unknown>) => ok(h.call('POST', `/v1/subjects/${subjectId}/${path}`, token, { purposeId: HM, ...body }));
    await post('checkups', h.as.health_manager, {
      visitDate: chinaDate(-30),
      institution: '体检中心',
      results: [{ code: 'GLU', name: '空腹血糖', value: 7.4, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } }],
      conclusions: [secrets.conclusion],
    });
    const service = await post('service-records', h.as.health_manager, { serviceDate: chinaDate(-2), serviceType: 'consultation', content: secrets.service });
    await post('follow-ups', h.as.health_manager, { dueDate: chinaDate(5), channel: 'phone', note: secrets.task });
    await post('follow-up-plans', h.as.health_manager, { every: 3, unit: 'months', startDate: chinaDate(10), channel: 'phone', reason: secrets.plan });
    const order = await post('orders', h.as.front_desk, {
      orderDate: chinaDate(-3),
      items: [{ kind: 'service', code: 'ABPM', name: secrets.orderItem, quantity: 1, unitPriceFen: 40_000 }],
    });
    await ok(h.call('POST', `/v1/orders/${order.orderId as string}/pay`, h.as.front_desk, { paymentMethod: 'wechat_pay', purposeId: HM }), 200);
    await ok(h.call('POST', `/v1/orders/${order.orderId as string}/refunds`, h.as.front_desk, { amountFen: 10_000, reason: secrets.refund, purposeId: HM }));
    await post('complaints', h.as.customer_service, { channel: 'phone', category: 'waiting_time', severity: 'low', description: secrets.complaint });
    await post('messages', h.as.health_manager, { kind: 'checkup_reminder', subject: '复查提醒', body: secrets.message });
    const fresh = { 'x-ledger-min-position': String(await api.logHead()) };
    const survey = await ok(
      h.call('POST', '/v1/surveys', await tokens(api).admin(), {
        title: `满意度${tag}`,
        questions: [
          { id: 'overall', kind: 'scale', text: '满意吗' },
          { id: 'comment', kind: 'text', text: '意见', required: false },
        ],
      }),
    );
    const dispatched = await ok(
      h.call('POST', `/v1/service-records/${service.recordId as string}/survey`, h.as.health_manager, { surveyId: survey.surveyId, purposeId: HM }, fresh),
    );
    await ok(h.call('POST', `/v1/survey-responses/${dispatched.responseId as string}`, h.as.health_manager, { answers: { overall: 5, comment: secrets.survey } }), 200);
    return { subjectId, secrets: Object.values(secrets) };
  }

  const rowsOf = async (subjectId: string) => {
    const counts: Record<string, number> = {};
    for (const table of RECORD_TABLES) counts[table] = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE subject_id = $1`, [subjectId])).rows[0].n;
    return counts;
  };
  const plaintextIn = async (secrets: string[]): Promise<string[]> => {
    const owner = await api.database.ownerClient();
    const tables = (await owner.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)).rows.map(
      (row) => row.table_name as string,
    );
    const found: string[] = [];
    for (const table of tables) {
      const { rows } = await owner.query(`SELECT t::text AS row FROM ${owner.escapeIdentifier(table)} t`);
      for (const { row } of rows) for (const secret of secrets) if ((row as string).includes(secret)) found.push(`${table}: ${secret}`);
    }
    return found;
  };
  const exportOf = async (subjectId: string) => {
    const own = await tokens(api).subject(subjectId);
    const filed = await ok(h.call('POST', '/v1/rights-requests', own, { subjectId, type: 'access', channel: 'app', requester: { kind: 'subject' } }));
    await ok(h.call('POST', `/v1/rights-requests/${filed.requestId as string}/fulfil`, await tokens(api).compliance()), 200);
    return ok(h.call('GET', `/v1/rights-requests/${filed.requestId as string}/export`, own), 200);
  };

  beforeAll(async () => {
    api = await startTestApi();
    h = await customerRecordsHarness(api);
    erased = await customerWithEverything('甲');
    kept = await customerWithEverything('乙');
    // the messages go out, so the outbox holds rows of both
    expect((await api.app.get(OutboxDispatcher).runOnce(api.clock())).sent.length).toBeGreaterThanOrEqual(4);
  });
  afterAll(() => api.close());

  it('exports every record of the customer, each kind with its text', async () => {
    const exported = await exportOf(erased.subjectId);
    const records = exported.records as Record<string, unknown[]>;
    expect(EXPORTED_KINDS.filter((kind) => (records[kind]?.length ?? 0) === 0)).toEqual([]);
    const text = JSON.stringify(exported);
    expect(erased.secrets.filter((secret) => !text.includes(secret))).toEqual([]);
    expect(kept.secrets.filter((secret) => text.includes(secret))).toEqual([]);
  });

  it('after the erasure and a rebuild of every projection, nothing of the customer is left; the other customer is intact', async () => {
    await h.read(`/v1/subjects/${erased.subjectId}/timeline`, h.as.health_manager); // waits for the read models to hold every write
    expect(Object.values(await rowsOf(erased.subjectId)).every((n) => n > 0)).toBe(true);
    await eraseOnRequest(api, erased.subjectId);

    const ownerPool = new Pool({ connectionString: api.database.url, max: 2 });
    try {
      const store = api.app.get<PostgresEventStore>(EVENT_STORE);
      for (const projection of api.app.get<Projection[]>(LEDGER_PROJECTIONS)) await rebuildProjection({ ownerPool, store, projection });
    } finally {
      await ownerPool.end();
    }

    expect(await rowsOf(erased.subjectId)).toEqual(Object.fromEntries(RECORD_TABLES.map((table) => [table, 0])));
    const { rows: liveKeys } = await api.database.pool.query(`SELECT category FROM vault_data_keys WHERE subject_id = $1 AND wrapped_key IS NOT NULL`, [erased.subjectId]);
    expect(liveKeys).toEqual([]);
    expect(await plaintextIn([...erased.secrets, ...kept.secrets])).toEqual([]); // sealed everywhere, before and after

    // the other customer's records all survive the rebuild and still open
    expect(Object.entries(await rowsOf(kept.subjectId)).filter(([, n]) => n === 0)).toEqual([]);
    const timeline = await h.read(`/v1/subjects/${kept.subjectId}/timeline`, h.as.health_manager);
    expect(timeline.status).toBe(200);
    expect([...new Set(timeline.body.items.map((entry: { kind: string }) => entry.kind))].sort()).toEqual(['checkup', 'complaint', 'follow_up', 'service', 'survey']);
    const text = JSON.stringify(await exportOf(kept.subjectId));
    expect(kept.secrets.filter((secret) => !text.includes(secret))).toEqual([]);
    expect((await h.read(`/v1/subjects/${erased.subjectId}/timeline`, h.as.health_manager)).status).toBe(410);
  });
});
