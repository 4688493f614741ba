import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';
import { DAY_MS } from './support/test-clock';
import { assessmentBody } from './support/assessment-body';

/** Provision outside the mainland (PIPL Arts. 38–39) over HTTP: refused for each missing piece, then accepted, and shown to the subject. */
type Reply = Awaited<ReturnType<ReturnType<typeof jsonRequest>>>;

const PURPOSE = 'overseas-review';
const TRANSFER = { mechanism: 'standard-contract', reference: '沪网信备 2026-0001' };
const RECIPIENT = { name: 'SG Health Lab Pte Ltd', contact: 'dpo@sglab.example', country: 'SG', transfer: TRANSFER };

describe('cross-border provision over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let admin: string;
  let officer: string;
  let own: string;
  let subjectId: string;
  let assessmentId: string;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, admin, officer] = await Promise.all([t.staff(), t.admin(), t.compliance()]);
    const write = async (token: string, method: string, path: string, body: unknown) => {
      const reply = await call(method, path, token, body);
      if (reply.status >= 300) throw new Error(`${method} ${path} → ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body;
    };
    const purpose = { id: PURPOSE, name: '境外复核', description: 'Second opinion on exam reports by a partner lab abroad', legalBasis: 'consent', necessaryForService: false };
    expect(await write(admin, 'POST', '/v1/purposes', { ...purpose, categories: ['identity', 'health_records'], involves: ['cross-border'] })).toMatchObject({
      requiresAssessment: true,
    });
    await write(admin, 'POST', '/v1/notices', { version: 'v2', content: '境外复核告知 / overseas review notice', purposeIds: ['health-management', PURPOSE] });
    subjectId = (await write(staff, 'POST', '/v1/subjects', registration())).subjectId;
    own = await t.subject(subjectId);
    assessmentId = (await write(officer, 'POST', '/v1/compliance/assessments', assessmentBody({ purposeId: PURPOSE, categories: ['identity', 'health_records'] }))).assessmentId;
  });
  afterAll(async () => api.close());

  const version = async (): Promise<number> =>
    (await api.database.pool.query(`SELECT coalesce(max(stream_version), 0)::int AS v FROM ledger_events WHERE stream_id = $1`, [`subject-${subjectId}`])).rows[0].v;
  const disclose = (recipient: Record<string, unknown> = RECIPIENT) =>
    call('POST', `/v1/subjects/${subjectId}/disclosures`, staff, { recipient, purposeId: PURPOSE, categories: ['identity', 'health_records'] });
  const consent = (body: Record<string, unknown>) =>
    call('POST', `/v1/subjects/${subjectId}/consents`, staff, {
      purposeId: PURPOSE,
      categories: ['identity', 'health_records'],
      separate: true,
      noticeVersion: 'v2',
      channel: 'app',
      ...body,
    });
  const approve = (version: number) =>
    call('POST', `/v1/compliance/assessments/${assessmentId}/approval`, officer, { version, expiresAt: new Date(api.clock().getTime() + 90 * DAY_MS).toISOString() });
  /** The refusal carries its code (and field), and the subject's stream does not move. */
  const refused = async (request: () => Promise<Reply>, status: number, code: string, paths?: string[]) => {
    const before = await version();
    const reply = await request();
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    if (paths) expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
    expect(await version()).toBe(before);
    return reply;
  };

  it('refuses each missing piece with a code naming it, then accepts the provision', async () => {
    // the purpose involves cross-border provision: nothing under it before its assessment is approved
    await refused(() => disclose(), 422, 'assessment-required');
    expect((await approve(1)).status).toBe(200);
    // a separate consent to the purpose that does not name the country is not one to this provision (Art. 39)
    expect((await consent({})).status).toBe(201);
    await refused(() => disclose({ ...RECIPIENT, transfer: undefined }), 422, 'cross-border-mechanism-required', ['recipient.transfer']);
    await refused(() => disclose({ ...RECIPIENT, transfer: { mechanism: 'handshake', reference: 'x' } }), 400, 'validation-failed', ['recipient.transfer.mechanism']);
    await refused(() => disclose({ ...RECIPIENT, country: 'sg' }), 400, 'validation-failed', ['recipient.country']);
    await refused(() => disclose(), 422, 'cross-border-consent-required');
    await refused(() => consent({ crossBorderCountries: ['SG'], separate: false }), 422, 'separate-consent-required');
    await refused(() => consent({ crossBorderCountries: ['CN'] }), 400, 'validation-failed', ['crossBorderCountries']);
    const sg = await consent({ crossBorderCountries: ['SG'] });
    expect(sg.status).toBe(201);
    // the approved assessment names only mainland recipients
    await refused(() => disclose(), 422, 'cross-border-assessment-required');
    const revised = await call('PUT', `/v1/compliance/assessments/${assessmentId}`, officer, {
      ...assessmentBody({ purposeId: PURPOSE, categories: ['identity', 'health_records'] }),
      recipients: [{ name: RECIPIENT.name, country: 'SG', role: 'provision' }],
    });
    expect(revised.body.version).toBe(2);
    await refused(() => disclose(), 422, 'cross-border-assessment-required');
    expect((await approve(2)).status).toBe(200);
    // to Japan: the consent and the assessment name Singapore only
    await refused(() => disclose({ ...RECIPIENT, country: 'JP' }), 422, 'cross-border-consent-required');

    const accepted = await disclose();
    expect(accepted.status).toBe(201);
    const listed = await call('GET', `/v1/subjects/${subjectId}/disclosures`, staff, undefined, {
      'x-processing-purpose': PURPOSE,
      'x-ledger-min-position': String(accepted.body.position),
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ recipient: { ...RECIPIENT, transfer: { ...TRANSFER, assessmentId } }, purposeId: PURPOSE, consentId: sg.body.consentId }),
    ]);
  });

  it('a mainland recipient takes no transfer mechanism, and still needs only the Art. 23 separate consent', async () => {
    await refused(() => disclose({ name: '某某检验所', contact: 'lab@example.cn', transfer: TRANSFER }), 400, 'validation-failed', ['recipient.transfer']);
    expect((await disclose({ name: '某某检验所', contact: 'lab@example.cn', country: 'CN' })).status).toBe(201);
  });

  it('the explanation (Art. 48) and the copy (Art. 45) list the recipients abroad', async () => {
    await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': String(await api.logHead()) });
    const abroad = [{ name: RECIPIENT.name, country: 'SG', mechanism: TRANSFER.mechanism, reference: TRANSFER.reference, purposeIds: [PURPOSE] }];
    const explained = await call('POST', '/v1/rights-requests', own, { subjectId, type: 'explanation', channel: 'app', requester: { kind: 'subject' } });
    const explanation = (await call('POST', `/v1/rights-requests/${explained.body.requestId}/fulfil`, officer)).body.result.explanation;
    expect(explanation.crossBorderRecipients).toEqual(abroad);
    expect(explanation.zh).toContain('向境外提供：SG Health Lab Pte Ltd（SG），依据：个人信息出境标准合同（沪网信备 2026-0001）');
    expect(explanation.en).toContain('Provided outside the mainland to SG Health Lab Pte Ltd (SG)');

    const access = await call('POST', '/v1/rights-requests', own, { subjectId, type: 'copy', channel: 'app', requester: { kind: 'subject' } });
    expect((await call('POST', `/v1/rights-requests/${access.body.requestId}/fulfil`, officer)).status).toBe(200);
    const exported = await call('GET', `/v1/rights-requests/${access.body.requestId}/export`, own);
    expect(exported.status).toBe(200);
    expect(exported.body.crossBorderRecipients).toEqual(abroad);
  });

  it('the compliance-audit report counts the provision abroad with its country, mechanism and assessment', async () => {
    const auditor = await tokens(api).auditor();
    const body = (await call('GET', `/v1/compliance/audit-report?from=2000-01-01T00:00:00Z&to=2099-01-01T00:00:00Z`, auditor)).body;
    const { rows } = await api.database.pool.query(`SELECT position::int AS p FROM ledger_events WHERE type = 'DisclosedToThirdParty' AND data->'recipient' ? 'transfer'`);
    expect(body.disclosures.crossBorder).toEqual({
      count: 1,
      positions: rows.map((r) => r.p),
      items: [{ recipient: RECIPIENT.name, country: 'SG', mechanism: TRANSFER.mechanism, reference: TRANSFER.reference, assessmentId, count: 1, positions: rows.map((r) => r.p) }],
    });
    expect(body.disclosures.count).toBe(2);
  });
});
