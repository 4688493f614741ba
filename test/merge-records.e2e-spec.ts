import { MergeRecordMover } from '../apps/ledger-api/src/subjects/merge/merge-records';
import { readWholeStream } from '../libs/event-store/src/command-handler';
import { EVENT_STORE } from '../libs/event-store/src/event-store.module';
import { RightsRequestEvent, rightsRequestStream } from '../libs/ledger-domain/src/rights-request/rights-request.events';
import { effectiveEvents } from '../libs/ledger-domain/src/subject/record-move';
import { DeclaredEventCodec } from '../libs/pii-vault/src/declared-event-codec';
import { RIGHTS_REQUEST_PI } from '../libs/pii-vault/src/event-pi-declarations';
import { PII_VAULT } from '../libs/pii-vault/src/pii-vault.module';
import { OutboxDispatcher } from '../apps/ledger-api/src/messages/outbox.dispatcher';
import { customerRecordsHarness } from './support/customer-records';
import { expectStatus, recordsOfEveryKind as everyKind } from './support/every-record';
import { eraseOnRequest } from './support/erasure-request';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { startTestApi, TestApi } from './support/test-api';
import { tokens } from './support/test-tokens';

type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
const HM = 'health-management';
/** The read models of a customer's records, one per kind, and the rights requests' queue. */
const RECORD_TABLES = ['checkup_visits', 'service_records', 'follow_up_tasks', 'follow_up_plans', 'orders', 'complaints', 'outbox_messages', 'survey_responses'];
const EXPORTED_KINDS = ['checkups', 'serviceRecords', 'followUps', 'followUpPlans', 'orders', 'complaints', 'messages', 'surveyResponses'];
const CONSENTS = [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption'], separate: true }];

/**
 * A merge carries the duplicate's records (issue #15 item 3): a duplicate with a record of every kind
 * and an open rights request is merged; every record reads back under the survivor with its content
 * (file, timeline, each kind, the copy), the request is the survivor's with its due date; the access
 * log and history show the merge; a merge that failed between its steps finishes when retried; a later
 * erasure of the survivor leaves nothing of either.
 */
describe('merging a duplicate that holds records and open requests', () => {
  let api: TestApi;
  let h: Harness;
  let compliance: string;
  let sequence = 0;

  beforeAll(async () => {
    api = await startTestApi();
    h = await customerRecordsHarness(api);
    compliance = await tokens(api).compliance();
  });
  afterAll(() => api.close());

  const ok = expectStatus;
  /** A file of ZHANG assigned to the harness's department; the duplicate without an ID number (one person, two files). */
  const register = async (document: boolean): Promise<string> => {
    const body = registration({ consents: CONSENTS });
    const data = { ...(body.data as Record<string, unknown>) };
    if (document) data.identity_document = { type: 'resident_id', number: residentId('1980-05-01', ++sequence, '110101') };
    else delete data.identity_document;
    const subjectId = (await ok(h.call('POST', '/v1/subjects', h.as.staff, { ...body, data }))).subjectId as string;
    await ok(h.call('PUT', `/v1/subjects/${subjectId}/assignment`, h.as.staff, { departmentId: h.departmentId }), 200);
    return subjectId;
  };

  /** Records of every kind of `subjectId` and an open request filed by a next of kin. */
  async function recordsOfEveryKind(subjectId: string, tag: string) {
    const records = await everyKind(api, h, subjectId, tag);
    const requester = `${tag}李四`;
    const request = await ok(
      h.call('POST', '/v1/rights-requests', h.as.staff, { subjectId, type: 'access', channel: 'phone', requester: { kind: 'next_of_kin', relation: '配偶', name: requester } }),
    );
    return { ...records, requestId: request.requestId as string, requester };
  }

  const rowsOf = async (subjectId: string) => {
    const counts: Record<string, number> = {};
    for (const table of [...RECORD_TABLES, 'rights_requests'])
      counts[table] = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE subject_id = $1`, [subjectId])).rows[0].n;
    return counts;
  };
  /** The requester's name as the request's stream opens it now (the view leaves it out). */
  const requesterOf = async (requestId: string) => {
    const events = effectiveEvents(await readWholeStream<RightsRequestEvent>(api.app.get(EVENT_STORE), rightsRequestStream(requestId)));
    const codec = new DeclaredEventCodec<RightsRequestEvent>(api.app.get(PII_VAULT), RIGHTS_REQUEST_PI);
    const [filed] = await codec.openAll(events.filter((event) => event.type === 'RightsRequestFiled').map(({ type, data }) => ({ type, data }) as RightsRequestEvent));
    return filed.type === 'RightsRequestFiled' ? filed.data.requester.name : undefined;
  };
  const liveKeys = async (subjectId: string): Promise<number> =>
    (await api.database.pool.query(`SELECT count(*)::int AS n FROM vault_data_keys WHERE subject_id = $1 AND wrapped_key IS NOT NULL`, [subjectId])).rows[0].n;
  const merge = (survivorId: string, duplicateId: string) => h.call('POST', `/v1/subjects/${survivorId}/merge`, h.as.staff, { purposeId: HM, duplicateId });
  const exportOf = async (subjectId: string, requestId?: string) => {
    const own = await tokens(api).subject(subjectId);
    const id =
      requestId ?? ((await ok(h.call('POST', '/v1/rights-requests', own, { subjectId, type: 'access', channel: 'app', requester: { kind: 'subject' } }))).requestId as string);
    await ok(h.call('POST', `/v1/rights-requests/${id}/fulfil`, compliance), 200);
    return ok(h.call('GET', `/v1/rights-requests/${id}/export`, own), 200);
  };

  describe('end to end', () => {
    let survivorId: string;
    let duplicateId: string;
    let made: Awaited<ReturnType<typeof recordsOfEveryKind>>;
    let requestBefore: Record<string, unknown>;
    let recordCount: number;

    beforeAll(async () => {
      survivorId = await register(true);
      duplicateId = await register(false);
      made = await recordsOfEveryKind(duplicateId, '合并');
      // the messages go out: their streams hold more than one event
      expect((await api.app.get(OutboxDispatcher).runOnce(api.clock())).sent.length).toBeGreaterThanOrEqual(1);
      requestBefore = (await h.read(`/v1/rights-requests/${made.requestId}`, compliance, undefined)).body;
      expect(await requesterOf(made.requestId)).toBe(made.requester);
      await h.read(`/v1/subjects/${duplicateId}/timeline`, h.as.health_manager);
      const rows = await rowsOf(duplicateId);
      expect(Object.entries(rows).filter(([, n]) => n === 0)).toEqual([]);
      recordCount = Object.values(rows).reduce((sum, n) => sum + n, 0);
    });

    it('moves every record and the open request to the survivor', async () => {
      const merged = await merge(survivorId, duplicateId);
      expect(merged.status).toBe(200);
      expect(Object.values(await rowsOf(duplicateId)).every((n) => n === 0)).toBe(true);
      expect(Object.entries(await rowsOf(survivorId)).filter(([, n]) => n === 0)).toEqual([]);
      // the reports' facts follow too
      for (const table of ['report_checkup_results', 'report_order_items']) {
        const { rows } = await api.database.pool.query(`SELECT subject_id FROM ${table} WHERE subject_id = ANY($1::text[])`, [[survivorId, duplicateId]]);
        expect(`${table}: ${[...new Set(rows.map((row) => row.subject_id))].join()}`).toBe(`${table}: ${survivorId}`);
      }
      // and the combined query's: nothing of the duplicate's left, the survivor counting its orders and abnormal results
      for (const table of ['customer_query_facts', 'customer_query_abnormal', 'customer_query_orders']) {
        const { rows } = await api.database.pool.query(`SELECT DISTINCT subject_id FROM ${table} WHERE subject_id = ANY($1::text[])`, [[survivorId, duplicateId]]);
        expect(`${table}: ${rows.map((row) => row.subject_id).join()}`).toBe(`${table}: ${survivorId}`);
      }
      expect(await liveKeys(duplicateId)).toBe(0);
      const moves = await api.database.pool.query(`SELECT data FROM ledger_events WHERE type = 'RecordMoved' AND data->>'fromSubjectId' = $1`, [duplicateId]);
      expect(moves.rows.length).toBe(recordCount);
      // sealed under the survivor's keys: no text of the records in clear in the moves
      for (const secret of Object.values(made.secrets)) expect(JSON.stringify(moves.rows)).not.toContain(secret);
    });

    it('reads each record back under the survivor with its content, in its list, the timeline and the copy', async () => {
      const visits = await h.read(`/v1/subjects/${survivorId}/checkups`, h.as.health_manager);
      expect(JSON.stringify(visits.body)).toContain(made.secrets.conclusion);
      const tasks = await h.read(`/v1/subjects/${survivorId}/follow-ups`, h.as.health_manager);
      expect(JSON.stringify(tasks.body)).toContain(made.secrets.task);
      const complaint = await h.read(`/v1/subjects/${survivorId}/complaints/${made.complaintId}`, h.as.customer_service);
      expect(complaint.status).toBe(200);
      expect(complaint.body).toMatchObject({ description: made.secrets.complaint });
      const timeline = await h.read(`/v1/subjects/${survivorId}/timeline`, h.as.health_manager);
      expect([...new Set(timeline.body.items.map((entry: { kind: string }) => entry.kind))].sort()).toEqual(['checkup', 'complaint', 'follow_up', 'service', 'survey']);
      expect(JSON.stringify(timeline.body)).toContain(made.secrets.service);
      // the duplicate's id answers with the survivor's for its records too
      expect((await h.read(`/v1/subjects/${duplicateId}/checkups`, h.as.health_manager)).body).toMatchObject({ code: 'subject-merged', mergedInto: survivorId });

      const exported = await exportOf(survivorId);
      const records = exported.records as Record<string, unknown[]>;
      expect(EXPORTED_KINDS.filter((kind) => (records[kind]?.length ?? 0) === 0)).toEqual([]);
      const text = JSON.stringify(exported);
      expect(Object.values(made.secrets).filter((secret) => !text.includes(secret))).toEqual([]);
    });

    it('carries the open request with its due date, the requester’s name still readable, and answers it for the survivor', async () => {
      const request = await h.read(`/v1/rights-requests/${made.requestId}`, compliance, undefined);
      expect(request.body).toMatchObject({ subjectId: survivorId, status: requestBefore.status, dueAt: requestBefore.dueAt, receivedAt: requestBefore.receivedAt });
      expect(await requesterOf(made.requestId)).toBe(made.requester); // sealed again under the survivor's keys, whose the duplicate's are shredded
      const queue = await h.read(`/v1/rights-requests?subjectId=${survivorId}`, compliance, undefined);
      expect(JSON.stringify(queue.body)).toContain(made.requestId);
      await ok(h.call('POST', `/v1/rights-requests/${made.requestId}/verify`, compliance, { method: 'id_card_in_person', evidenceRef: '身份证复印件-合并' }), 200);
      const exported = await exportOf(survivorId, made.requestId);
      expect(JSON.stringify(exported)).toContain(made.secrets.conclusion);
    });

    it('a moved record takes new steps as the survivor’s', async () => {
      const tasks = await h.read(`/v1/subjects/${survivorId}/follow-ups`, h.as.health_manager);
      const [task] = (tasks.body.items ?? tasks.body) as Array<{ taskId: string }>;
      const done = await h.call('POST', `/v1/follow-ups/${task.taskId}/complete`, h.as.health_manager, { outcome: '已电话随访', purposeId: HM });
      expect(done.status).toBe(200);
      const after = await h.read(`/v1/subjects/${survivorId}/follow-ups`, h.as.health_manager);
      expect(JSON.stringify(after.body)).toContain('已电话随访');
      expect(JSON.stringify(after.body)).toContain(made.secrets.task);
    });

    it('shows the merge in the access log and the history', async () => {
      const log = await h.read(`/v1/audit/access?subjectId=${duplicateId}`, compliance, undefined);
      expect(log.body.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ via: 'merge', actor: 'staff-1', categories: expect.arrayContaining(['health_records', 'consumption']) })]),
      );
      const history = await h.read(`/v1/subjects/${survivorId}/history`, compliance, undefined);
      expect(history.body).toEqual(expect.arrayContaining([expect.objectContaining({ eventType: 'SubjectMerged', value: expect.objectContaining({ duplicateId }) })]));
    });

    it('a later erasure of the survivor leaves nothing of either, records included', async () => {
      await eraseOnRequest(api, survivorId);
      // a message still queued (a survey invitation of the moved service) waits, bare, as `cancelling` for the outbox's next run to record its cancellation
      await api.app.get(OutboxDispatcher).runOnce(api.clock());
      await api.readModelsCaughtUp();
      expect(await liveKeys(survivorId)).toBe(0);
      expect(await liveKeys(duplicateId)).toBe(0);
      for (const table of RECORD_TABLES) expect(`${table}: ${(await rowsOf(survivorId))[table]}`).toBe(`${table}: 0`);
      const owner = await api.database.ownerClient();
      const tables = (await owner.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)).rows;
      const secrets = [...Object.values(made.secrets), made.requester];
      for (const { table_name: table } of tables) {
        const { rows } = await owner.query(`SELECT t::text AS row FROM ${owner.escapeIdentifier(table)} t`);
        for (const { row } of rows) for (const secret of secrets) expect(`${table}: ${(row as string).includes(secret) ? secret : ''}`).toBe(`${table}: `);
      }
      expect((await h.read(`/v1/subjects/${survivorId}/timeline`, h.as.health_manager)).status).toBe(410);
    });
  });

  it('a merge that failed after moving some records finishes when retried, each record moved once', async () => {
    const survivorId = await register(true);
    const duplicateId = await register(false);
    const made = await recordsOfEveryKind(duplicateId, '续');
    await h.read(`/v1/subjects/${duplicateId}/timeline`, h.as.health_manager);
    const recordCount = Object.values(await rowsOf(duplicateId)).reduce((sum, n) => sum + n, 0);
    const mover = api.app.get(MergeRecordMover) as unknown as { move: (...args: unknown[]) => Promise<boolean> };
    const move = mover.move.bind(mover);
    let calls = 0;
    const failing = jest.spyOn(mover, 'move').mockImplementation(async (...args) => {
      if (++calls > 3) throw new Error('the database went away');
      return move(...args);
    });
    try {
      expect((await merge(survivorId, duplicateId)).status).toBe(500);
    } finally {
      failing.mockRestore();
    }
    // the duplicate is closed, three of its records moved, the survivor not merged yet
    expect((await h.read(`/v1/subjects/${duplicateId}`, h.as.health_manager)).body).toMatchObject({ code: 'subject-merged', mergedInto: survivorId });
    const head = await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'RecordMoved' AND data->>'fromSubjectId' = $1`, [duplicateId]);
    expect(head.rows[0].n).toBe(3);

    expect((await merge(survivorId, duplicateId)).status).toBe(200);
    const moves = await api.database.pool.query(`SELECT stream_id FROM ledger_events WHERE type = 'RecordMoved' AND data->>'fromSubjectId' = $1`, [duplicateId]);
    expect(moves.rows.length).toBe(recordCount);
    expect(new Set(moves.rows.map((row) => row.stream_id)).size).toBe(moves.rows.length);
    expect(Object.values(await rowsOf(duplicateId)).every((n) => n === 0)).toBe(true);
    expect(await liveKeys(duplicateId)).toBe(0);
    const text = JSON.stringify(await exportOf(survivorId));
    expect(Object.values(made.secrets).filter((secret) => !text.includes(secret))).toEqual([]);
    // and again: nothing more
    const before = await api.logHead();
    expect((await merge(survivorId, duplicateId)).status).toBe(200);
    expect(await api.logHead()).toBe(before);
  });
});
