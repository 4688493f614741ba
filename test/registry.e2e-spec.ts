import { createHash, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';

/** Purposes, notices and category sensitivity over HTTP: who may change them, and what a refusal leaves. */
type Reply = Awaited<ReturnType<ReturnType<typeof jsonRequest>>>;

const HM = 'health-management';
const sha256 = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

describe('registry over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let admin: string;
  let compliance: string;
  let ops: string;
  let auditor: string;
  let subject: string;
  let foreignToken: string;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, admin, compliance, ops, subject] = await Promise.all([t.staff(), t.admin(), t.compliance(), t.ops(), t.subject('01900000-0000-7000-8000-000000000001')]);
    auditor = await t.auditor();
    const now = Math.floor(Date.now() / 1000);
    foreignToken = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('admin-li')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(randomBytes(32));
  });
  afterAll(async () => api.close());

  const registryVersion = async (): Promise<number> =>
    (await api.database.pool.query(`SELECT coalesce(max(stream_version), 0)::int AS v FROM ledger_events WHERE stream_id = 'registry'`)).rows[0].v;
  const streamVersion = async (subjectId: string): Promise<number> =>
    (await api.database.pool.query(`SELECT coalesce(max(stream_version), 0)::int AS v FROM ledger_events WHERE stream_id = $1`, [`subject-${subjectId}`])).rows[0].v;
  const pathsOf = (reply: Reply): string[] => [...new Set<string>((reply.body.errors ?? []).map((e: { path: string }) => e.path))].sort();

  const expectProblem = (reply: Reply, status: number, code: string, paths?: string[]) => {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body).toMatchObject({ type: `urn:pi-ledger:problem:${code}`, status, code });
    if (paths) expect(pathsOf(reply)).toEqual([...paths].sort());
  };
  /** A request the registry must refuse: its stream does not move. */
  const refused = async (request: () => Promise<Reply>): Promise<Reply> => {
    const before = await registryVersion();
    const reply = await request();
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(await registryVersion()).toBe(before);
    return reply;
  };
  const expectBadBodies = async (send: (body: unknown) => Promise<Reply>, cases: Array<[string, unknown, string[]]>) => {
    for (const [why, body, paths] of cases) {
      const reply = await refused(() => send(body));
      expect({ why, status: reply.status, code: reply.body.code }).toEqual({ why, status: 400, code: 'validation-failed' });
      expect({ why, paths: pathsOf(reply) }).toEqual({ why, paths: [...paths].sort() });
    }
  };
  /** `send` gets '' for "no token" (jsonRequest sends no Authorization header for an empty token). */
  const expectUnauthenticated = async (send: (token: string) => Promise<Reply>) => {
    for (const [why, token, code] of [
      ['no token', '', 'unauthorized'],
      ['foreign key', foreignToken, 'invalid-token'],
      ['garbage', 'x.y.z', 'invalid-token'],
    ] as const) {
      const reply = await refused(() => send(token));
      expect({ why, status: reply.status, code: reply.body?.code }).toEqual({ why, status: 401, code });
    }
  };
  const expectAdminOnly = async (send: (token: string) => Promise<Reply>) => {
    for (const [who, token] of [
      ['staff', staff],
      ['compliance officer', compliance],
      ['auditor', auditor],
      ['ops', ops],
      ['data subject', subject],
    ]) {
      const reply = await refused(() => send(token));
      expect({ who, status: reply.status, code: reply.body?.code, roles: reply.body?.requiredRoles }).toEqual({ who, status: 403, code: 'forbidden', roles: ['admin'] });
    }
  };

  // ---- notices -------------------------------------------------------------------------------

  describe('POST /v1/notices and GET /v1/notices/{version}', () => {
    // exactly these characters: leading and trailing blanks, CRLF, a tab, combining and precomposed é, an astral emoji
    const content = '  个人信息处理规则 v2\r\n第二段\t说明 e\u0301 \u00e9 😀 \n\n';
    const notice = { version: 'v2', content, purposeIds: [HM, 'marketing'] };
    const publish = (body: unknown, token: string = admin) => call('POST', '/v1/notices', token, body);

    it('400 naming a missing, malformed or unknown field', async () => {
      await expectBadBodies(publish, [
        ['no content', { version: 'v2', purposeIds: [HM] }, ['content']],
        ['empty content', { ...notice, content: '' }, ['content']],
        ['no version', { content, purposeIds: [HM] }, ['version']],
        ['version with a space', { ...notice, version: 'v 2' }, ['version']],
        ['no purposeIds', { version: 'v2', content }, ['purposeIds']],
        ['purposeIds not strings', { ...notice, purposeIds: [1] }, ['purposeIds']],
        ['unknown field', { ...notice, effectiveFrom: '2027-01-01' }, ['effectiveFrom']],
      ]);
      expectProblem(await call('GET', '/v1/notices/v2', admin), 404, 'notice-not-found');
    });

    it('401 without a valid token, 403 for every role but admin', async () => {
      await expectUnauthenticated((token) => publish(notice, token));
      await expectAdminOnly((token) => publish(notice, token));
      expectProblem(await call('GET', '/v1/notices/v2', admin), 404, 'notice-not-found');
    });

    it('422 unknown-purpose when the notice names a purpose the registry does not have', async () => {
      expectProblem(await refused(() => publish({ ...notice, purposeIds: [HM, 'ghost'] })), 422, 'unknown-purpose');
    });

    it('201 with the SHA-256 (hex) of the content’s UTF-8 bytes, and GET returns exactly that content', async () => {
      const before = await registryVersion();
      const published = await publish(notice);
      expect(published.status).toBe(201);
      expect(published.body).toMatchObject({ version: 'v2', contentHash: sha256(content), position: expect.any(Number) });
      expect(published.body.contentHash).not.toBe(sha256(content.normalize('NFC').trim()));
      expect(await registryVersion()).toBe(before + 1);

      const read = await call('GET', '/v1/notices/v2', staff);
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ version: 'v2', content, contentHash: sha256(content), purposeIds: [HM, 'marketing'], publishedAt: expect.any(String) });
      expect(Buffer.from(read.body.content, 'utf8').equals(Buffer.from(content, 'utf8'))).toBe(true);
      expect(Number.isNaN(Date.parse(read.body.publishedAt))).toBe(false);
    });

    it('409 notice-exists for the same version again, with the same or another content; the first stays', async () => {
      expectProblem(await refused(() => publish(notice)), 409, 'notice-exists');
      expectProblem(await refused(() => publish({ ...notice, content: '改过的内容' })), 409, 'notice-exists');
      const read = await call('GET', '/v1/notices/v2', compliance);
      expect({ content: read.body.content, hash: read.body.contentHash }).toEqual({ content, hash: sha256(content) });
    });

    it('GET: the seeded v1 hashes to its text, 404 notice-not-found for an unknown version, 401 without a token', async () => {
      const v1 = await call('GET', '/v1/notices/v1', auditor);
      expect(v1.status).toBe(200);
      expect(v1.body.contentHash).toBe(sha256(v1.body.content));
      expect(v1.body.purposeIds).toEqual([HM, 'marketing', 'research']);
      expectProblem(await call('GET', '/v1/notices/v999', staff), 404, 'notice-not-found');
      expectProblem(await call('GET', '/v1/notices/v1', undefined), 401, 'unauthorized');
    });
  });

  // ---- purposes ------------------------------------------------------------------------------

  describe('POST /v1/purposes', () => {
    const purpose = {
      id: 'newsletter',
      name: '电子报',
      description: 'Monthly newsletter',
      legalBasis: 'consent',
      categories: ['contact'],
      necessaryForService: false,
      retentionDays: 365,
    };
    const define = (body: unknown, token: string = admin) => call('POST', '/v1/purposes', token, body);
    const without = (field: string) => Object.fromEntries(Object.entries(purpose).filter(([k]) => k !== field));
    const purposeIds = async () => (await call('GET', '/v1/purposes', staff)).body.map((p: { id: string }) => p.id);

    it('400 naming a missing, malformed or unknown field', async () => {
      await expectBadBodies(define, [
        ['no id', without('id'), ['id']],
        ['upper-case id', { ...purpose, id: 'News Letter' }, ['id']],
        ['no name', without('name'), ['name']],
        ['no description', without('description'), ['description']],
        ['unknown legal basis', { ...purpose, legalBasis: 'whim' }, ['legalBasis']],
        ['unknown category', { ...purpose, categories: ['contact', 'pets'] }, ['categories']],
        ['necessaryForService not a boolean', { ...purpose, necessaryForService: 'no' }, ['necessaryForService']],
        ['retentionDays zero', { ...purpose, retentionDays: 0 }, ['retentionDays']],
        ['retentionDays fractional', { ...purpose, retentionDays: 1.5 }, ['retentionDays']],
        ['unknown field', { ...purpose, owner: 'marketing-dept' }, ['owner']],
      ]);
      expect(await purposeIds()).toEqual([HM, 'marketing', 'research']);
    });

    it('401 without a valid token, 403 for every role but admin', async () => {
      await expectUnauthenticated((token) => define(purpose, token));
      await expectAdminOnly((token) => define(purpose, token));
      expect(await purposeIds()).toEqual([HM, 'marketing', 'research']);
    });

    it('409 purpose-exists for a seeded or an already defined id; the first definition stays', async () => {
      const seeded = await refused(() => define({ ...purpose, id: 'marketing', legalBasis: 'contract', necessaryForService: true }));
      expectProblem(seeded, 409, 'purpose-exists');
      const created = await define(purpose);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject(purpose);
      expectProblem(await refused(() => define({ ...purpose, legalBasis: 'contract' })), 409, 'purpose-exists');
      const purposes = (await call('GET', '/v1/purposes', staff)).body;
      expect(purposes.find((p: { id: string }) => p.id === 'marketing')).toMatchObject({ legalBasis: 'consent', necessaryForService: false });
      expect(purposes.find((p: { id: string }) => p.id === 'newsletter')).toMatchObject({ legalBasis: 'consent' });
    });
  });

  // ---- categories ----------------------------------------------------------------------------

  describe('GET and PATCH /v1/categories', () => {
    const setSensitive = (name: string, body: unknown, token: string = admin) => call('PATCH', `/v1/categories/${name}`, token, body);
    const sensitivity = async () => Object.fromEntries((await call('GET', '/v1/categories', staff)).body.map((c: { name: string; sensitive: boolean }) => [c.name, c.sensitive]));
    const DEFAULTS = {
      identity: false,
      identity_document: true,
      contact: false,
      employment: false,
      demographics: false,
      health: true,
      health_records: true,
      consumption: true,
      service_interactions: false,
      preferences: false,
      customer_profile: false,
    };

    it('lists every category with its fields, list fields and default sensitivity (contract, "Registry")', async () => {
      const listed = await call('GET', '/v1/categories', auditor);
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual([
        { name: 'identity', fields: ['name', 'gender', 'birthDate', 'ethnicity'], listFields: [], sensitive: false, retentionAfterEndDays: 0 },
        { name: 'identity_document', fields: ['type', 'number'], listFields: [], sensitive: true, retentionAfterEndDays: 0 },
        { name: 'contact', fields: ['phone', 'email', 'address', 'phones', 'addresses'], listFields: [], sensitive: false, retentionAfterEndDays: 0 },
        { name: 'employment', fields: ['employer', 'title'], listFields: [], sensitive: false, retentionAfterEndDays: 0 },
        { name: 'demographics', fields: ['maritalStatus', 'education'], listFields: [], sensitive: false, retentionAfterEndDays: 0 },
        {
          name: 'health',
          fields: ['conditions', 'allergies', 'surgeries', 'medications', 'lifestyle', 'goals'],
          listFields: ['conditions', 'allergies', 'surgeries', 'medications', 'goals'],
          sensitive: true,
          retentionAfterEndDays: 0,
        },
        { name: 'health_records', fields: ['exams'], listFields: ['exams'], sensitive: true, retentionAfterEndDays: 0 },
        { name: 'consumption', fields: ['purchases'], listFields: ['purchases'], sensitive: true, retentionAfterEndDays: 2555 },
        {
          name: 'service_interactions',
          fields: ['services', 'surveys', 'complaints'],
          listFields: ['services', 'surveys', 'complaints'],
          sensitive: false,
          retentionAfterEndDays: 0,
        },
        { name: 'preferences', fields: ['marketingChannels', 'interests'], listFields: ['marketingChannels', 'interests'], sensitive: false, retentionAfterEndDays: 0 },
        { name: 'customer_profile', fields: ['customerType', 'tier', 'tags', 'remarks'], listFields: [], sensitive: false, retentionAfterEndDays: 0 },
      ]);
      expectProblem(await call('GET', '/v1/categories', undefined), 401, 'unauthorized');
    });

    it('PATCH: 401, 403 for every role but admin, 400 naming the field, 404 category-not-found; sensitivity unchanged', async () => {
      await expectUnauthenticated((token) => setSensitive('contact', { sensitive: true }, token));
      await expectAdminOnly((token) => setSensitive('contact', { sensitive: true }, token));
      await expectBadBodies(
        (body) => setSensitive('contact', body),
        [
          ['no sensitive', {}, ['sensitive']],
          ['sensitive not a boolean', { sensitive: 'yes' }, ['sensitive']],
          ['sensitive as a number', { sensitive: 1 }, ['sensitive']],
          ['unknown field', { sensitive: true, reason: 'policy' }, ['reason']],
        ],
      );
      expectProblem(await refused(() => setSensitive('pets', { sensitive: true })), 404, 'category-not-found');
      expect(await sensitivity()).toEqual(DEFAULTS);
    });

    it('PATCH to the value it already has answers 200 and appends nothing', async () => {
      const before = await registryVersion();
      const same = await setSensitive('contact', { sensitive: false });
      expect(same.status).toBe(200);
      expect(same.body).toMatchObject({ name: 'contact', sensitive: false });
      expect(await registryVersion()).toBe(before);
    });

    it('marking contact sensitive makes a later change of contact without a separate consent 422, and only an admin can change it back', async () => {
      // registered while contact is not sensitive: the default registration's separate consent omits contact
      const registered = await call('POST', '/v1/subjects', staff, registration());
      expect(registered.status).toBe(201);
      const subjectId = registered.body.subjectId;
      const covered = await call('POST', '/v1/subjects', staff, {
        ...registration({ consents: [{ purposeId: HM, categories: ['contact'], separate: true }] }),
        data: { identity: { name: '王芳', birthDate: '1985-03-08' }, contact: { phone: '13700001111' } },
      });
      expect(covered.status).toBe(201);
      const patchContact = (id: string, email: string) => call('PATCH', `/v1/subjects/${id}/data/contact`, staff, { set: { email }, reason: 'update', purposeId: HM });

      const marked = await setSensitive('contact', { sensitive: true });
      expect(marked.status).toBe(200);
      expect(marked.body).toMatchObject({ name: 'contact', sensitive: true, version: expect.any(Number), position: expect.any(Number) });
      expect(await sensitivity()).toEqual({ ...DEFAULTS, contact: true });

      const before = await streamVersion(subjectId);
      expectProblem(await patchContact(subjectId, 'new@example.cn'), 422, 'separate-consent-required');
      expect(await streamVersion(subjectId)).toBe(before);
      // a subject whose separate consent covers contact may still be changed
      expect((await patchContact(covered.body.subjectId, 'wang.fang@example.cn')).status).toBe(200);
      // and reads under the purpose no longer show contact without that consent
      const read = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': HM });
      expect(read.status).toBe(200);
      expect(Object.keys(read.body.data)).not.toContain('contact');

      // staff cannot undo it
      expectProblem(await refused(() => setSensitive('contact', { sensitive: false }, staff)), 403, 'forbidden');
      expect((await sensitivity()).contact).toBe(true);
      expectProblem(await patchContact(subjectId, 'new@example.cn'), 422, 'separate-consent-required');
      expect(await streamVersion(subjectId)).toBe(before);

      // an admin can
      expect((await setSensitive('contact', { sensitive: false })).status).toBe(200);
      const allowed = await patchContact(subjectId, 'new@example.cn');
      expect(allowed.status).toBe(200);
      expect(allowed.body.version).toBe(before + 1);
    });
  });
});
