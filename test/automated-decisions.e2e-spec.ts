import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';

/** Automated decision-making (PIPL Art. 24) over HTTP: the subject refuses it (a restriction kind) and asks for an explanation of a decision (a rights request). */
type Reply = Awaited<ReturnType<ReturnType<typeof jsonRequest>>>;

const SCORING = 'risk-scoring';

describe('automated decisions over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let officer: string;
  let own: string;
  let subjectId: string;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, officer] = await Promise.all([t.staff(), t.compliance()]);
    const admin = await t.admin();
    const purpose = await call('POST', '/v1/purposes', admin, {
      id: SCORING,
      name: '健康风险评分',
      description: 'A model scores health risk from conditions and age and decides who is called for a follow-up first.',
      legalBasis: 'consent',
      categories: ['identity', 'health'],
      necessaryForService: false,
      automatedDecisionMaking: true,
      requiresAssessment: false,
    });
    expect(purpose.body).toMatchObject({ automatedDecisionMaking: true });
    await call('POST', '/v1/notices', admin, { version: 'v2', content: '健康风险评分告知', purposeIds: ['health-management', SCORING] });
    subjectId = (await call('POST', '/v1/subjects', staff, registration())).body.subjectId;
    own = await t.subject(subjectId);
    expect(
      (
        await call('POST', `/v1/subjects/${subjectId}/consents`, staff, {
          purposeId: SCORING,
          categories: ['identity', 'health'],
          separate: true,
          noticeVersion: 'v2',
          channel: 'app',
        })
      ).status,
    ).toBe(201);
  });
  afterAll(async () => api.close());

  const version = async (): Promise<number> =>
    (await api.database.pool.query(`SELECT coalesce(max(stream_version), 0)::int AS v FROM ledger_events WHERE stream_id = $1`, [`subject-${subjectId}`])).rows[0].v;
  const read = async (purposeId: string) =>
    call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': purposeId, 'x-ledger-min-position': String(await api.logHead()) });
  const score = () => call('POST', `/v1/subjects/${subjectId}/data/health/goals/items`, staff, { item: '风险评分：中', purposeId: SCORING });
  const file = (body: Record<string, unknown>) => call('POST', '/v1/rights-requests', own, { subjectId, channel: 'app', requester: { kind: 'subject' }, ...body });
  const fulfil = (requestId: string) => call('POST', `/v1/rights-requests/${requestId}/fulfil`, officer);
  const expectProblem = (reply: Reply, status: number, code: string, paths?: string[]) => {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    if (paths) expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
  };
  let restrictionId: string;

  it('processing under the purpose works until the subject refuses automated decisions, then is refused; other purposes go on', async () => {
    expect((await read(SCORING)).status).toBe(200);
    expect((await score()).status).toBe(201);
    expectProblem(await file({ type: 'restriction', details: { kind: 'automated-decision-making', purposeIds: [SCORING] } }), 400, 'validation-failed', ['details.purposeIds']);
    expectProblem(await file({ type: 'restriction', details: { kind: 'robots' } }), 400, 'validation-failed', ['details.kind']);
    const refusal = await file({ type: 'restriction', details: { kind: 'automated-decision-making' } });
    expect(refusal.body.status).toBe('verified');
    const done = await fulfil(refusal.body.requestId);
    expect(done.status).toBe(200);
    restrictionId = done.body.result.restrictionId;

    const before = await version();
    const refused = await score();
    expectProblem(refused, 403, 'processing-restricted');
    expect(refused.body).toMatchObject({ purposeId: SCORING, restriction: 'automated-decision-making' });
    expectProblem(await read(SCORING), 403, 'processing-restricted');
    expect(await version()).toBe(before);
    expect((await read('health-management')).status).toBe(200);
  });

  it('staff record the same refusal directly; it names no purposes', async () => {
    expectProblem(
      await call('POST', `/v1/subjects/${subjectId}/restrictions`, staff, { kind: 'automated-decision-making', purposeIds: [SCORING], reason: '电话里拒绝' }),
      400,
      'validation-failed',
      ['purposeIds'],
    );
    const direct = await call('POST', `/v1/subjects/${subjectId}/restrictions`, staff, { kind: 'automated-decision-making', reason: '电话里拒绝' });
    expect(direct.status).toBe(201);
    expect((await call('DELETE', `/v1/subjects/${subjectId}/restrictions/${direct.body.restrictionId}`, staff)).status).toBe(200);
  });

  it('explains a decision on request, filed and fulfilled as a rights request', async () => {
    expectProblem(await file({ type: 'decision_explanation', details: { purposeId: 'health-management', decisionRef: 'd-1' } }), 422, 'not-automated-decision', [
      'details.purposeId',
    ]);
    expectProblem(await file({ type: 'decision_explanation', details: { purposeId: SCORING, decisionRef: '张伟 的评分' } }), 400, 'validation-failed', ['details.decisionRef']);
    const filed = await file({ type: 'decision_explanation', details: { purposeId: SCORING, decisionRef: 'risk-2026-06-01-0042' } });
    expect(filed.status).toBe(201);
    const done = await fulfil(filed.body.requestId);
    expect(done.body).toMatchObject({
      status: 'fulfilled',
      result: {
        explanation: {
          decisionRef: 'risk-2026-06-01-0042',
          purposeId: SCORING,
          logic: expect.stringContaining('decides who is called for a follow-up first'),
          categories: ['identity', 'health'],
          refusesAutomatedDecisions: true,
        },
      },
    });
    expect(done.body.result.explanation.zh).toContain('您已拒绝仅通过自动化决策方式作出决定');
  });

  it('lifting the refusal lets the purpose process again', async () => {
    expect((await call('DELETE', `/v1/subjects/${subjectId}/restrictions/${restrictionId}`, staff)).status).toBe(200);
    expect((await score()).status).toBe(201);
  });
});
