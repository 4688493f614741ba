import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration, ZHANG } from './support/realistic-subject';
import { DAY_MS, TEST_NOW } from './support/test-clock';
import { waitUntil } from './support/wait-until';

describe('rights requests over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let officer: string;
  let subjectId: string;
  let own: string;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, officer] = await Promise.all([t.staff(), t.compliance()]);
    const body = registration({
      consents: [
        { purposeId: 'health-management', categories: ['health', 'identity_document', 'health_records'], separate: true },
        { purposeId: 'marketing', categories: ['preferences', 'contact'], separate: false },
      ],
    }) as ReturnType<typeof registration> & { data: Record<string, unknown> };
    body.data = { ...body.data, preferences: { interests: ['跑步'] } };
    body.purposeId = 'health-management';
    const registered = await call('POST', '/v1/subjects', staff, { ...body, data: { ...body.data, preferences: undefined } });
    expect(registered.status).toBe(201);
    subjectId = registered.body.subjectId;
    const preferences = await call('PATCH', `/v1/subjects/${subjectId}/data/preferences`, staff, { set: { interests: ['跑步'] }, reason: 'update', purposeId: 'marketing' });
    expect(preferences.status).toBe(200);
    own = await t.subject(subjectId);
    // filing looks the subject up in the read models: they must have it first
    await read(`/v1/subjects/${subjectId}`);
  });
  afterAll(async () => api.close());

  /**
   * A read under health-management once the read models include everything appended so far (the
   * rights-request routes return no positions, so it waits for the log's head).
   */
  async function read(path: string, token = staff) {
    const response = await call('GET', path, token, undefined, { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': String(await api.logHead()) });
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
    return response;
  }

  const file = (token: string, body: Record<string, unknown>) =>
    call('POST', '/v1/rights-requests', token, { subjectId, channel: 'app', requester: { kind: token === own ? 'subject' : 'staff_on_behalf' }, ...body });
  const fulfil = (id: string) => call('POST', `/v1/rights-requests/${id}/fulfil`, officer);

  it('a subject files for itself (verified at once, due in 15 working days); staff-filed requests start received', async () => {
    const mine = await file(own, { type: 'access' });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ requestId: expect.any(String), status: 'verified', receivedAt: expect.any(String), dueAt: expect.any(String) });
    const theirs = await file(staff, { type: 'access' });
    expect(theirs.body.status).toBe('received');
    // received on the ledger's clock: Monday 1 June 2026 (China), some seconds into the run
    expect(Date.parse(mine.body.receivedAt) - Date.parse(TEST_NOW)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(mine.body.receivedAt)).toBeLessThanOrEqual(api.clock().getTime());
    // 15 working days from a Monday, no holidays configured: three weeks later to the millisecond
    expect(Date.parse(mine.body.dueAt) - Date.parse(mine.body.receivedAt)).toBe(21 * DAY_MS);
  });

  it('refuses a subject acting on another subject, bad details, and unknown subjects', async () => {
    const stranger = await tokens(api).subject('01900000-0000-7000-8000-00000000abcd');
    expect((await call('POST', '/v1/rights-requests', stranger, { subjectId, type: 'access', channel: 'app', requester: { kind: 'subject' } })).status).toBe(403);
    const bad = await file(staff, { type: 'consent_withdrawal', details: { consentId: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'details.consentId', message: expect.any(String) }]);
    expect((await file(staff, { type: 'teleport' })).body.errors[0].path).toBe('type');
    expect(
      (
        await call('POST', '/v1/rights-requests', staff, {
          subjectId: '01900000-0000-7000-8000-000000000000',
          type: 'access',
          channel: 'app',
          requester: { kind: 'staff_on_behalf' },
        })
      ).status,
    ).toBe(404);
    expect((await file(staff, { type: 'access', requester: { kind: 'next_of_kin' } })).body.code).toBe('relation-required');
  });

  it('access: verify, fulfil (idempotently), then the subject downloads a complete export, whose generation is recorded', async () => {
    const filed = await file(staff, { type: 'access' });
    expect((await fulfil(filed.body.requestId)).body.code).toBe('not-verified');
    const verified = await call('POST', `/v1/rights-requests/${filed.body.requestId}/verify`, staff, { method: 'id_card_in_person', evidenceRef: 'desk-scan-42' });
    expect(verified.body.status).toBe('verified');
    const done = await fulfil(filed.body.requestId);
    expect(done.body).toMatchObject({ status: 'fulfilled', result: { export: `/v1/rights-requests/${filed.body.requestId}/export` } });
    expect((await fulfil(filed.body.requestId)).body).toEqual(done.body);
    const exported = await call('GET', `/v1/rights-requests/${filed.body.requestId}/export`, own);
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      format: 'pi-ledger-export/v1',
      subjectId,
      data: { identity: { name: ZHANG.name }, contact: { phone: ZHANG.phone }, identity_document: { number: ZHANG.idNumber }, health: { conditions: [ZHANG.condition] } },
      consents: expect.arrayContaining([expect.objectContaining({ purposeId: 'marketing', status: 'active' })]),
      purposes: expect.arrayContaining([expect.objectContaining({ id: 'health-management', legalBasis: 'contract', retentionDays: 3650 })]),
      disclosures: [],
      accessLog: expect.any(Array),
    });
    // the access log is a projection: read it once it includes the export's access record
    const log = await read(`/v1/audit/access?subjectId=${subjectId}`, officer);
    expect(log.body.items.some((item: { via?: string }) => item.via === 'export')).toBe(true);
  });

  it('explanation in Chinese and English; rejection with a reason code; one extension', async () => {
    const filed = await file(own, { type: 'explanation' });
    const done = await fulfil(filed.body.requestId);
    expect(done.body.result.explanation.zh).toContain('为订立、履行您作为一方的合同所必需');
    expect(done.body.result.explanation.en).toContain('necessary for the contract');
    const other = await file(staff, { type: 'copy' });
    // bounded: at most 15 working days past the current due date (PIPL Art. 50; docs/rights-requests.md)
    const endless = await call('POST', `/v1/rights-requests/${other.body.requestId}/extend`, officer, { reason: 'archive retrieval', dueAt: '9999-12-31T00:00:00Z' });
    expect(endless.status).toBe(422);
    expect(endless.body).toMatchObject({ code: 'extension-too-long', errors: [{ path: 'dueAt' }] });
    const laterDue = new Date(Date.parse(other.body.dueAt) + 10 * 86_400_000).toISOString();
    const extended = await call('POST', `/v1/rights-requests/${other.body.requestId}/extend`, officer, { reason: 'archive retrieval', dueAt: laterDue });
    expect(extended.body).toMatchObject({ dueAt: laterDue, extended: true });
    expect((await call('POST', `/v1/rights-requests/${other.body.requestId}/extend`, officer, { reason: 'again', dueAt: '2099-02-01T00:00:00Z' })).body.code).toBe(
      'already-extended',
    );
    const rejected = await call('POST', `/v1/rights-requests/${other.body.requestId}/reject`, officer, {
      reasonCode: 'identity_not_verified',
      reason: 'the ID card did not match',
    });
    expect(rejected.body).toMatchObject({ status: 'failed_verification', rejection: { reasonCode: 'identity_not_verified', reason: 'the ID card did not match' } });
    // free text may name people: it is sealed with the subject's key, never in the log in clear
    const { rows } = await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE data::text LIKE '%did not match%' OR data::text LIKE '%archive retrieval%'`);
    expect(rows[0].n).toBe(0);
  });

  it('correction applies correction events carrying the request id; restriction refuses processing', async () => {
    const filed = await file(own, { type: 'correction', details: { changes: [{ category: 'contact', set: { email: 'zw@example.cn' }, purposeId: 'health-management' }] } });
    const done = await fulfil(filed.body.requestId);
    expect(done.body.result.applied).toEqual([expect.objectContaining({ category: 'contact', fields: ['email'] })]);
    const { rows } = await api.database.pool.query(`SELECT type, data->>'rightsRequestId' AS request FROM ledger_events WHERE stream_id = $1 ORDER BY position DESC LIMIT 1`, [
      `subject-${subjectId}`,
    ]);
    expect(rows[0]).toEqual({ type: 'DataCorrected', request: filed.body.requestId });
    // the change set is sealed in the log, and the request view opens it
    const clear = await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE data::text LIKE '%zw@example.cn%'`);
    expect(clear.rows[0].n).toBe(0);
    expect((await call('GET', `/v1/rights-requests/${filed.body.requestId}`, officer)).body.details).toEqual({
      changes: [{ category: 'contact', set: { email: 'zw@example.cn' }, purposeId: 'health-management' }],
    });

    const restriction = await file(own, { type: 'restriction', details: { purposeIds: ['research'] } });
    expect((await fulfil(restriction.body.requestId)).body.result).toMatchObject({ restrictionId: expect.any(String) });
  });

  it('consent withdrawal withdraws it, erases data held only under it, and refuses reads under that purpose', async () => {
    const profile = await read(`/v1/subjects/${subjectId}`);
    const marketing = profile.body.consents.find((c: { purposeId: string }) => c.purposeId === 'marketing');
    const filed = await file(own, { type: 'consent_withdrawal', details: { consentId: marketing.consentId } });
    const done = await fulfil(filed.body.requestId);
    expect(done.body.result).toMatchObject({ consentId: marketing.consentId, erasedCategories: ['preferences'] });
    const refused = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'marketing' });
    expect(refused.status).toBe(403);
    const still = await read(`/v1/subjects/${subjectId}`);
    expect(still.body.data.contact).toMatchObject({ phone: expect.stringMatching(/^\+86138\*{4}\d{4}$/) }); // also held for health-management
    expect(still.body.data.preferences).toBeUndefined();
  });

  it('lists the queue for compliance by status and type, and a subject sees only its own requests', async () => {
    // the queue is a read model the route does not wait for (no X-Ledger-Min-Position): poll until
    // it shows the five requests fulfilled above
    const listed = await waitUntil('five fulfilled requests in the queue', async () => {
      const queue = await call('GET', `/v1/rights-requests?subjectId=${subjectId}`, officer);
      return queue.body.filter((r: { status: string }) => r.status === 'fulfilled').length >= 5 ? (queue.body as Array<{ type: string; status: string }>) : undefined;
    });
    expect(listed.length).toBeGreaterThanOrEqual(8);
    const verified = await call('GET', '/v1/rights-requests?status=received', officer);
    expect(verified.body.every((r: { status: string }) => r.status === 'received')).toBe(true);
    const overdue = await call('GET', '/v1/rights-requests?overdue=true', officer);
    expect(overdue.body).toEqual([]);
    expect((await call('GET', '/v1/rights-requests', own)).status).toBe(403);
    const metrics = await (await api.request('/metrics', { headers: { authorization: `Bearer ${await tokens(api).ops()}` } })).text();
    expect(metrics).toMatch(/^pi_ledger_rights_requests_overdue 0$/m);
  });
});
