import { Pool } from 'pg';
import { EVENT_STORE } from '../libs/event-store/src/event-store.module';
import { PostgresEventStore } from '../libs/event-store/src/postgres/postgres-event-store';
import { LEDGER_PROJECTIONS } from '../libs/read-models/src/read-models.module';
import { Projection } from '../libs/read-models/src/runner/projection';
import { rebuildProjection } from '../libs/read-models/src/runner/projection-rebuild';
import { OutboxDispatcher } from '../apps/ledger-api/src/messages/outbox.dispatcher';
import { customerRecordsHarness } from './support/customer-records';
import { expectStatus as ok, recordsOfEveryKind } from './support/every-record';
import { eraseOnRequest } from './support/erasure-request';
import { startTestApi, TestApi } from './support/test-api';
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

  /** A customer, its records of every kind, each holding a text of its own. */
  async function customerWithEverything(tag: string) {
    const subjectId = await h.register({ consents: [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption'], separate: true }] });
    const { secrets } = await recordsOfEveryKind(api, h, subjectId, tag);
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
