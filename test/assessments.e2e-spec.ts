import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';
import { chinaDate, DAY_MS, testClock } from './support/test-clock';
import { customerRecordsHarness } from './support/customer-records';
import { residentId } from './support/resident-id';
import { assessmentBody } from './support/assessment-body';

/** Impact assessments (PIPL Arts. 55–56) over HTTP, and a purpose that requires one refusing processing until one covers it. */
type Reply = Awaited<ReturnType<ReturnType<typeof jsonRequest>>>;

const HM = 'health-management';
const service = { serviceDate: chinaDate(-1), serviceType: 'consultation', content: '饮食指导', purposeId: HM };

describe('impact assessments over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let admin: string;
  let compliance: string;
  let auditor: string;
  let subjectId: string;
  /** A customer assigned to a department, for its records (service records), and the health manager there. */
  let records: Awaited<ReturnType<typeof customerRecordsHarness>>;
  let customer: string;
  /** How far the ledger's clock has been moved forward. */
  let shift = 0;

  beforeAll(async () => {
    const base = testClock();
    api = await startTestApi({}, { clock: () => new Date(base().getTime() + shift) });
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, admin, compliance, auditor] = await Promise.all([t.staff(), t.admin(), t.compliance(), t.auditor()]);
    const registered = await call('POST', '/v1/subjects', staff, registration());
    if (registered.status !== 201) throw new Error(JSON.stringify(registered.body));
    subjectId = registered.body.subjectId;
    records = await customerRecordsHarness(api);
    const body = registration({ data: { identity: { name: '王芳', birthDate: '1980-05-01' }, identity_document: { type: 'resident_id', number: residentId('1980-05-01', 7) } } });
    customer = (await call('POST', '/v1/subjects', staff, body)).body.subjectId;
    expect((await call('PUT', `/v1/subjects/${customer}/assignment`, staff, { departmentId: records.departmentId })).status).toBe(200);
  });
  afterAll(async () => api.close());

  const count = async (streamLike: string): Promise<number> =>
    (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id LIKE $1`, [streamLike])).rows[0].n;
  const expectProblem = (reply: Reply, status: number, code: string, paths?: string[]) => {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    if (paths) expect([...new Set((reply.body.errors ?? []).map((e: { path: string }) => e.path))].sort()).toEqual([...paths].sort());
  };
  const read = () => call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': HM });
  const register = () => call('POST', '/v1/subjects', staff, registration({ data: { identity: { name: '李娜', birthDate: '1985-02-03' }, health: { conditions: ['高血压'] } } }));
  /** Every way of processing under the purpose is refused with assessment-required, and no subject stream moves. */
  const expectRefused = async () => {
    const before = await count('subject-%');
    expectProblem(await read(), 422, 'assessment-required');
    expectProblem(await register(), 422, 'assessment-required');
    expectProblem(
      await call('PATCH', `/v1/subjects/${subjectId}/data/contact`, staff, { set: { email: 'a@example.cn' }, reason: 'update', purposeId: HM }),
      422,
      'assessment-required',
    );
    expectProblem(await call('GET', `/v1/subjects?name=张伟`, staff, undefined, { 'x-processing-purpose': HM }), 422, 'assessment-required');
    // the customer's records too (their own streams, on the same check)
    const services = await count('service-record%');
    expectProblem(await call('POST', `/v1/subjects/${customer}/service-records`, records.as.health_manager, service), 422, 'assessment-required');
    expectProblem(await records.read(`/v1/subjects/${customer}/service-records`, records.as.health_manager), 422, 'assessment-required');
    expect(await count('subject-%')).toBe(before);
    expect(await count('service-record%')).toBe(services);
  };

  describe('the requiresAssessment flag', () => {
    it('defaults to true for a purpose with sensitive categories or Art. 55 activities, false otherwise', async () => {
      const define = (id: string, extra: Record<string, unknown>) =>
        call('POST', '/v1/purposes', admin, { id, name: id, description: 'test purpose', legalBasis: 'consent', necessaryForService: false, categories: ['contact'], ...extra });
      expect((await define('sensitive-one', { categories: ['health'] })).body).toMatchObject({ id: 'sensitive-one', requiresAssessment: true });
      for (const involved of ['entrusted-processing', 'provision-to-others', 'publication', 'cross-border']) {
        expect((await define(`${involved}-one`, { involves: [involved] })).body).toMatchObject({ involves: [involved], requiresAssessment: true });
      }
      expect((await define('scoring-one', { automatedDecisionMaking: true })).body).toMatchObject({ requiresAssessment: true, automatedDecisionMaking: true });
      expect((await define('plain-one', {})).body).toMatchObject({ requiresAssessment: false });
      expect((await define('waived-one', { categories: ['health'], requiresAssessment: false })).body).toMatchObject({ requiresAssessment: false });
      expectProblem(await define('bad-one', { involves: ['gossip'] }), 400, 'validation-failed', ['involves']);
    });

    it('only an admin turns it on for an existing purpose; then processing under it is refused until an assessment covers it', async () => {
      expect((await read()).status).toBe(200);
      expectProblem(await call('PATCH', `/v1/purposes/${HM}`, compliance, { requiresAssessment: true }), 403, 'forbidden');
      expectProblem(await call('PATCH', `/v1/purposes/${HM}`, admin, { requiresAssessment: 'yes' }), 400, 'validation-failed', ['requiresAssessment']);
      const flagged = await call('PATCH', `/v1/purposes/${HM}`, admin, { requiresAssessment: true });
      expect(flagged.status).toBe(200);
      expect(flagged.body).toMatchObject({ id: HM, requiresAssessment: true });
      await expectRefused();
      // withdrawal, restriction and a correction the subject asked for honour its rights: never blocked by the handler's missing assessment
      const own = await tokens(api).subject(subjectId);
      const correction = await call('POST', '/v1/rights-requests', own, {
        subjectId,
        type: 'correction',
        channel: 'app',
        requester: { kind: 'subject' },
        details: { changes: [{ category: 'contact', purposeId: HM, set: { email: 'right@example.cn' } }] },
      });
      expect(correction.status).toBe(201);
      expect((await call('POST', `/v1/rights-requests/${correction.body.requestId}/fulfil`, compliance)).body).toMatchObject({ status: 'fulfilled' });
      const restricted = await call('POST', `/v1/subjects/${subjectId}/restrictions`, staff, { purposeIds: ['marketing'], reason: '不想收到广告' });
      expect(restricted.status).toBe(201);
      expect((await call('DELETE', `/v1/subjects/${subjectId}/restrictions/${restricted.body.restrictionId}`, staff)).status).toBe(200);
    });
  });

  describe('recording and approving', () => {
    let assessmentId: string;

    it('refuses a malformed assessment naming each field, and other roles, writing nothing', async () => {
      const before = await count('impact-assessments');
      expectProblem(
        await call('POST', '/v1/compliance/assessments', compliance, { ...assessmentBody(), risks: [], conclusion: 'fine', categories: ['pets'] }),
        400,
        'validation-failed',
        ['risks', 'conclusion', 'categories'],
      );
      expectProblem(
        await call('POST', '/v1/compliance/assessments', compliance, assessmentBody({ recipients: [{ name: 'X', country: 'sg', role: 'entrusted' }] })),
        400,
        'validation-failed',
        ['recipients[0].country'],
      );
      expectProblem(await call('POST', '/v1/compliance/assessments', compliance, assessmentBody({ purposeId: 'nope' })), 422, 'unknown-purpose');
      expectProblem(await call('POST', '/v1/compliance/assessments', auditor, assessmentBody()), 403, 'forbidden');
      expectProblem(await call('POST', '/v1/compliance/assessments', staff, assessmentBody()), 403, 'forbidden');
      expect(await count('impact-assessments')).toBe(before);
    });

    it('a recorded draft does not admit processing; an approved one does', async () => {
      const recorded = await call('POST', '/v1/compliance/assessments', compliance, assessmentBody());
      expect(recorded.status).toBe(201);
      assessmentId = recorded.body.assessmentId;
      expect(recorded.body).toMatchObject({ purposeId: HM, version: 1, status: 'draft', approvedBy: null, expiresAt: null });
      await expectRefused();

      const expiresAt = new Date(api.clock().getTime() + 30 * DAY_MS).toISOString();
      const approved = await call('POST', `/v1/compliance/assessments/${assessmentId}/approval`, compliance, { version: 1, expiresAt });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({ status: 'approved', approvedVersion: 1, approvedBy: 'co-zhao', expiresAt });
      // kept at least three years after the approval ends (Art. 56)
      expect(Date.parse(approved.body.retainUntil)).toBeGreaterThanOrEqual(Date.parse(expiresAt) + 3 * 365 * DAY_MS);
      expect((await read()).status).toBe(200);
      expect((await register()).status).toBe(201);
      expect((await call('POST', `/v1/subjects/${customer}/service-records`, records.as.health_manager, service)).status).toBe(201);
    });

    it('refuses approving an outdated version, an unacceptable conclusion, or an expiry already passed, writing nothing', async () => {
      const future = new Date(api.clock().getTime() + DAY_MS).toISOString();
      const unacceptable = (await call('POST', '/v1/compliance/assessments', compliance, assessmentBody({ conclusion: 'not-acceptable' }))).body.assessmentId;
      const draft = (await call('POST', '/v1/compliance/assessments', compliance, assessmentBody({ activity: '另一项活动' }))).body.assessmentId;
      const before = await count('impact-assessments');
      const approve = (id: string, body: unknown) => call('POST', `/v1/compliance/assessments/${id}/approval`, compliance, body);
      expectProblem(await approve(assessmentId, { version: 2, expiresAt: future }), 409, 'assessment-version-outdated');
      expectProblem(await approve(unacceptable, { version: 1, expiresAt: future }), 422, 'assessment-not-acceptable');
      expectProblem(await approve(draft, { version: 1, expiresAt: '2020-01-01T00:00:00Z' }), 422, 'assessment-expiry-passed', ['expiresAt']);
      expectProblem(await approve(draft, { version: 1, expiresAt: 'next week' }), 400, 'validation-failed', ['expiresAt']);
      expectProblem(await approve('01900000-0000-7000-8000-0000000000ff', { version: 1, expiresAt: future }), 404, 'assessment-not-found');
      expect(await count('impact-assessments')).toBe(before);
      // approving twice changes nothing
      expect((await approve(draft, { version: 1, expiresAt: future })).status).toBe(200);
      expect((await approve(draft, { version: 1, expiresAt: future })).status).toBe(200);
      expect(await count('impact-assessments')).toBe(before + 1);
    });

    it('a revision is a new version needing its own approval; the approved one keeps covering meanwhile', async () => {
      expectProblem(await call('PUT', `/v1/compliance/assessments/${assessmentId}`, compliance, assessmentBody({ purposeId: 'marketing' })), 422, 'assessment-purpose-fixed');
      const revised = await call('PUT', `/v1/compliance/assessments/${assessmentId}`, compliance, assessmentBody({ measures: ['字段级加密', '双人复核'] }));
      expect(revised.status).toBe(200);
      expect(revised.body).toMatchObject({ version: 2, status: 'approved', approvedVersion: 1, measures: ['字段级加密', '双人复核'] });
      expect(revised.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
      expect((await read()).status).toBe(200);
    });

    it('auditors and compliance officers read them; nobody else', async () => {
      const listed = await call('GET', `/v1/compliance/assessments?purposeId=${HM}`, auditor);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((a: { assessmentId: string }) => a.assessmentId)).toContain(assessmentId);
      expect(listed.body.items.every((a: { purposeId: string }) => a.purposeId === HM)).toBe(true);
      expect((await call('GET', `/v1/compliance/assessments/${assessmentId}`, compliance)).body).toMatchObject({ assessmentId, version: 2 });
      expectProblem(await call('GET', '/v1/compliance/assessments', staff), 403, 'forbidden');
    });

    it('refuses processing again once the approval has expired', async () => {
      // only the draft approved in the refusals test and this one cover the purpose; move past both
      shift = 31 * DAY_MS;
      expect((await call('GET', `/v1/compliance/assessments/${assessmentId}`, auditor)).body.status).toBe('expired');
      await expectRefused();
    });
  });
});
