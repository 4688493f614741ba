import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration, ZHANG } from './support/realistic-subject';

/**
 * Issue #18: input that was accepted though meaningless (finding 9) is refused with a 4xx problem
 * naming the field, and nothing is written; a subject's history is read under its own legal basis
 * (finding 6).
 */
describe('meaningless input refused, history under its own legal basis', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let officer: string;
  let admin: string;
  let auditor: string;
  let subjectId: string;
  const HM = 'health-management';

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, officer, admin, auditor] = await Promise.all([t.staff(), t.compliance(), t.admin(), t.auditor()]);
    subjectId = (await ok(staff, 'POST', '/v1/subjects', registration())).subjectId;
    await readable(subjectId);
  });
  afterAll(async () => api.close());

  async function ok(token: string, method: string, path: string, body?: unknown) {
    const response = await call(method, path, token, body);
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }
  /** Waits for the profile read model to hold the subject (filing a rights request looks it up there). */
  const readable = async (id: string) => expect((await call('GET', `/v1/subjects/${id}`, staff, undefined, { 'x-processing-purpose': HM })).status).toBe(200);
  const eventCount = async () => (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n as number;
  /** The reply to `request`, checked to be a problem naming `path` with nothing appended to the log. */
  async function refused(request: () => ReturnType<typeof call>, status: number, code: string, path: string) {
    await api.logHead();
    const before = await eventCount();
    const reply = await request();
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body.errors?.map((problem: { path: string }) => problem.path)).toContain(path);
    expect(await eventCount()).toBe(before);
    return reply;
  }
  const fileRequest = (body: Record<string, unknown>) =>
    call('POST', '/v1/rights-requests', staff, { subjectId, channel: 'front-desk', requester: { kind: 'staff_on_behalf' }, ...body });

  describe('finding 9', () => {
    it('a correction PATCH must name an existing, verified correction request of this subject', async () => {
      const patch = (rightsRequestId: string, reason = 'correction') =>
        call('PATCH', `/v1/subjects/${subjectId}/data/contact`, staff, { set: { email: 'zw@example.cn' }, reason, purposeId: HM, rightsRequestId });
      await refused(() => patch('not-a-request'), 400, 'validation-failed', 'rightsRequestId');
      await refused(() => patch('01900000-0000-7000-8000-000000000000'), 422, 'rights-request-not-found', 'rightsRequestId');
      const changes = [{ category: 'contact', purposeId: HM, set: { email: 'zw@example.cn' } }];
      const correction = (await fileRequest({ type: 'correction', details: { changes } })).body.requestId;
      await refused(() => patch(correction), 409, 'rights-request-not-open', 'rightsRequestId'); // received, not verified
      await ok(staff, 'POST', `/v1/rights-requests/${correction}/verify`, { method: 'id_card_in_person' });
      await refused(() => patch(correction, 'supplement'), 422, 'rights-request-mismatch', 'rightsRequestId');
      const access = (await fileRequest({ type: 'access' })).body.requestId;
      await refused(() => patch(access), 422, 'rights-request-mismatch', 'rightsRequestId');
      const other = (await ok(staff, 'POST', '/v1/subjects', { ...registration(), data: { identity: { name: '李四' } }, consents: [] })).subjectId;
      await readable(other);
      const othersRequest = (
        await call('POST', '/v1/rights-requests', staff, { subjectId: other, type: 'correction', details: { changes }, channel: 'app', requester: { kind: 'staff_on_behalf' } })
      ).body.requestId;
      await ok(staff, 'POST', `/v1/rights-requests/${othersRequest}/verify`, { method: 'id_card_in_person' });
      await refused(() => patch(othersRequest), 422, 'rights-request-mismatch', 'rightsRequestId');
      expect((await patch(correction)).status).toBe(200);
    });

    it('a correction request carries nothing beside its declared fields: an extra one would reach the log unsealed', async () => {
      const changes = [{ category: 'contact', purposeId: HM, set: { email: 'zw@example.cn' }, note: '张三 13800138000' }];
      await refused(() => fileRequest({ type: 'correction', details: { changes } }), 400, 'validation-failed', 'details.changes[0].note');
    });

    it('a general consent for a sensitive category is refused at grant time', async () => {
      const grant = { purposeId: HM, categories: ['health'], separate: false, noticeVersion: 'v1', channel: 'app' };
      await refused(() => call('POST', `/v1/subjects/${subjectId}/consents`, staff, grant), 422, 'separate-consent-required', 'separate');
    });

    it('an identity document without a number is refused, at registration and as a change', async () => {
      await refused(
        () => call('POST', '/v1/subjects', staff, { ...registration(), data: { identity: { name: '王五' }, identity_document: { type: 'passport' } } }),
        400,
        'validation-failed',
        'data.identity_document.number',
      );
      await refused(
        () => call('PATCH', `/v1/subjects/${subjectId}/data/identity_document`, staff, { set: { number: null }, reason: 'update', purposeId: HM }),
        400,
        'validation-failed',
        'set.number',
      );
    });

    it('an extension is bounded: 9999-12-31 is refused naming dueAt', async () => {
      const requestId = (await fileRequest({ type: 'copy' })).body.requestId;
      await refused(() => call('POST', `/v1/rights-requests/${requestId}/extend`, officer, { reason: 'archive', dueAt: '9999-12-31' }), 422, 'extension-too-long', 'dueAt');
    });

    it('a notice covering no purpose is refused naming purposeIds', async () => {
      await refused(() => call('POST', '/v1/notices', admin, { version: 'v-empty', content: '告知书', purposeIds: [] }), 422, 'notice-without-purpose', 'purposeIds');
    });

    it('a restriction naming an unknown purpose is refused, directly and as a rights request', async () => {
      const direct = await call('POST', `/v1/subjects/${subjectId}/restrictions`, staff, { purposeIds: ['no-such-purpose'], reason: 'x' });
      expect([direct.status, direct.body.code]).toEqual([422, 'unknown-purpose']);
      await refused(() => fileRequest({ type: 'restriction', details: { purposeIds: [HM, 'no-such-purpose'] } }), 422, 'unknown-purpose', 'details.purposeIds[1]');
    });
  });

  describe('finding 6: history under its own legal basis', () => {
    const AUDIT = { 'x-processing-purpose': 'pipl:compliance-audit' };
    let restricted: string;
    beforeAll(async () => {
      restricted = (await ok(staff, 'POST', '/v1/subjects', registration({ data: { ...registration().data, identity_document: undefined } }))).subjectId;
      await ok(staff, 'POST', `/v1/subjects/${restricted}/restrictions`, { reason: '对准确性有异议' });
    });
    const history = (token: string, headers: Record<string, string>, query = '') => call('GET', `/v1/subjects/${restricted}/history${query}`, token, undefined, headers);

    it('under a registry purpose follows the profile read: 403 processing-restricted, or no-legal-basis', async () => {
      const profile = await call('GET', `/v1/subjects/${restricted}`, officer, undefined, { 'x-processing-purpose': HM });
      const read = await history(officer, { 'x-processing-purpose': HM });
      expect([read.status, read.body.code]).toEqual([profile.status, profile.body.code]);
      expect([read.status, read.body.code]).toEqual([403, 'processing-restricted']);
      expect(JSON.stringify(read.body)).not.toContain(ZHANG.name);
      const marketing = await call('GET', `/v1/subjects/${subjectId}/history`, officer, undefined, { 'x-processing-purpose': 'marketing' });
      expect([marketing.status, marketing.body.code]).toEqual([403, 'no-legal-basis']);
    });

    it('under pipl:compliance-audit shows a restricted subject’s history masked, reveals only with a reason, and logs the read as such', async () => {
      const masked = await history(auditor, AUDIT);
      expect(masked.status).toBe(200);
      const text = JSON.stringify(masked.body);
      for (const value of [ZHANG.name, 'zhang.wei@example.cn', '东华门街道', ZHANG.condition]) expect(text.toLowerCase()).not.toContain(value.toLowerCase());
      expect(masked.body).toContainEqual(expect.objectContaining({ eventType: 'ProcessingRestricted' }));
      await refused(() => history(officer, AUDIT, '?reveal=identity'), 400, 'reveal-reason-required', 'headers.x-reveal-reason');
      await refused(() => history(officer, { ...AUDIT, 'x-reveal-reason': 'curiosity' }, '?reveal=identity'), 400, 'validation-failed', 'headers.x-reveal-reason');
      const revealed = await history(officer, { ...AUDIT, 'x-reveal-reason': 'complaint' }, '?reveal=identity');
      expect(revealed.body).toContainEqual(expect.objectContaining({ category: 'identity', field: 'name', value: ZHANG.name }));
      expect(JSON.stringify(revealed.body)).not.toContain(ZHANG.condition);

      const { rows } = await api.database.pool.query(
        `SELECT data, metadata FROM ledger_events WHERE stream_id = $1 AND type = 'PersonalDataAccessed' AND data->>'purposeId' = 'pipl:compliance-audit' ORDER BY position`,
        [`access-${restricted}`],
      );
      expect(rows.map((row) => [row.data.via, row.metadata.purposeId, row.metadata.legalBasis, row.data.revealReason ?? null, row.data.revealed])).toEqual([
        ['history', 'pipl:compliance-audit', 'legal_obligation', null, []],
        ['history', 'pipl:compliance-audit', 'legal_obligation', 'complaint', expect.arrayContaining(['identity.name'])],
      ]);
    });

    it('auditors read history only under the compliance-audit purpose', async () => {
      expect((await history(auditor, { 'x-processing-purpose': HM })).status).toBe(403);
      expect((await history(staff, AUDIT)).status).toBe(403);
    });
  });
});
