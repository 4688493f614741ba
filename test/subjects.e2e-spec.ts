import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration, ZHANG } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { bornYearsAgo, chinaDate } from './support/test-clock';

/** Ten years old on the ledger's (pinned) today: a child under PIPL Art. 31 whatever the host's calendar says. */
const CHILD_BIRTH_DATE = bornYearsAgo(10);
const CHILD_ID_NUMBER = residentId(CHILD_BIRTH_DATE, 35, '310115');

describe('subjects over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let admin: string;
  let compliance: string;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, admin, compliance] = await Promise.all([t.staff(), t.admin(), t.compliance()]);
  });
  afterAll(async () => api.close());

  const register = (body: unknown = registration(), token = staff, headers: Record<string, string> = {}) => call('POST', '/v1/subjects', token, body, headers);
  /** A valid resident ID per n, born on ZHANG's birth date. */
  const unique = (n: number) => residentId(ZHANG.birthDate, 100 + n);
  const registrationWith = (n: number, extra: Record<string, unknown> = {}) => {
    const body = registration(extra) as ReturnType<typeof registration>;
    return { ...body, data: { ...body.data, identity_document: { type: 'resident_id', number: unique(n) } } };
  };

  describe('POST /v1/subjects', () => {
    it('registers a subject and returns its id, version and position with an ETag', async () => {
      const response = await register(registrationWith(1));
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        subjectId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        customerNumber: expect.stringMatching(/^C\d{10}$/),
        version: 7,
        position: expect.any(Number),
      });
      expect(response.headers.get('etag')).toBe('"7"');
      expect(response.headers.get('location')).toBe(`/v1/subjects/${response.body.subjectId}`);
    });

    it('401 without a token, 403 for a role that may not register', async () => {
      expect((await call('POST', '/v1/subjects', undefined, registrationWith(2))).status).toBe(401);
      const refused = await register(registrationWith(2), admin);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('forbidden');
    });

    it('400 naming each bad field, and writes nothing', async () => {
      const before = await api.database.pool.query('SELECT count(*)::int AS n FROM ledger_events');
      const response = await register({
        ...registration(),
        data: {
          identity: { name: '', birthDate: '2999-01-01', shoeSize: 42 },
          identity_document: { type: 'resident_id', number: '110101198005010017' },
          contact: { phone: '12345', email: 'not-an-email' },
          pets: { cat: true },
        },
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('validation-failed');
      const paths = response.body.errors.map((e: { path: string }) => e.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'data.identity.name',
          'data.identity.birthDate',
          'data.identity.shoeSize',
          'data.identity_document.number',
          'data.contact.phone',
          'data.contact.email',
          'data.pets',
        ]),
      );
      expect(JSON.stringify(response.body)).not.toContain('110101198005010017');
      const after = await api.database.pool.query('SELECT count(*)::int AS n FROM ledger_events');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });

    it('400 when the ID number’s birth date contradicts identity.birthDate, or for unknown top-level fields', async () => {
      const body = registrationWith(3);
      const contradicting = await register({ ...body, data: { ...body.data, identity: { ...body.data.identity, birthDate: '1981-05-01' } } });
      expect(contradicting.status).toBe(400);
      expect(contradicting.body.errors).toEqual([{ path: 'data.identity_document.number', message: expect.stringContaining('does not match identity.birthDate') }]);
      const unknown = await register({ ...registrationWith(3), surprise: 1 });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([{ path: 'surprise', message: 'unknown field' }]);
    });

    it('422 with a code for each rule', async () => {
      const cases: Array<[unknown, string]> = [
        [registrationWith(4, { data: { preferences: { interests: ['瑜伽'] } } }), 'category-not-in-purpose'],
        [registrationWith(4, { consents: [] }), 'separate-consent-required'],
        [{ ...registration({ purposeId: 'marketing', consents: [] }), data: { contact: { phone: '+8613912345678' } } }, 'consent-required'],
        [
          registration({
            data: { identity: { name: '小明', birthDate: CHILD_BIRTH_DATE } },
            consents: [{ purposeId: 'health-management', categories: ['identity'], separate: true }],
          }),
          'guardian-consent-required',
        ],
        [registrationWith(4, { purposeId: 'nope' }), 'unknown-purpose'],
      ];
      for (const [body, code] of cases) {
        const response = await register(body);
        expect({ code, status: response.status, got: response.body.code }).toEqual({ code, status: 422, got: code });
      }
    });

    it('counts the age on the ledger’s clock: one day short of 14 is a child, 14 today is not', async () => {
      const born = (birthDate: string) =>
        registration({ data: { identity: { name: '李小红', birthDate } }, consents: [{ purposeId: 'health-management', categories: ['identity'], separate: true }] });
      const thirteen = await register(born(bornYearsAgo(14, -1)));
      expect([thirteen.status, thirteen.body.code]).toEqual([422, 'guardian-consent-required']);
      expect((await register(born(bornYearsAgo(14)))).status).toBe(201);
    });

    it('registers a child with a guardian’s separate consent', async () => {
      const response = await register({
        purposeId: 'health-management',
        noticeVersion: 'v1',
        channel: 'front-desk',
        consents: [{ purposeId: 'health-management', categories: ['identity', 'identity_document'], separate: true, guardian: { name: '王芳', relation: 'mother' } }],
        data: { identity: { name: '王小明', birthDate: CHILD_BIRTH_DATE }, identity_document: { type: 'resident_id', number: CHILD_ID_NUMBER } },
      });
      expect(response.status).toBe(201);
    });

    it('409 duplicate-subject with the existing subject id when the ID number is taken', async () => {
      const first = await register(registrationWith(5));
      const again = await register({ ...registrationWith(5), channel: 'app' });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'duplicate-subject', existingSubjectId: first.body.subjectId });
    });

    it('replays the first response for the same Idempotency-Key and body; 422 for another body', async () => {
      const key = { 'idempotency-key': 'reg-6' };
      const first = await register(registrationWith(6), staff, key);
      const replay = await register(registrationWith(6), staff, key);
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers.get('etag')).toBe(first.headers.get('etag'));
      const reused = await register(registrationWith(7), staff, key);
      expect(reused.status).toBe(422);
      expect(reused.body.code).toBe('idempotency-key-reused');
    });
  });

  describe('reading and changing a subject', () => {
    let subjectId: string;
    beforeAll(async () => {
      subjectId = (await register(registrationWith(10))).body.subjectId;
    });

    it('reads masked data under a purpose, with consents; reveal shows the numbers', async () => {
      const read = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        subjectId,
        version: 7,
        status: 'active',
        data: {
          identity: { name: ZHANG.name, birthDate: ZHANG.birthDate },
          contact: { phone: '+86138****5678', email: 'zhang.wei@example.cn' },
          identity_document: { number: expect.stringMatching(/^110\*+\d{4}$/) },
          health: { conditions: [ZHANG.condition] },
        },
        consents: [{ purposeId: 'health-management', separate: true, status: 'active', noticeVersion: 'v1' }],
      });
      const revealed = await call('GET', `/v1/subjects/${subjectId}?reveal=contact`, staff, undefined, { 'x-processing-purpose': 'health-management' });
      expect(revealed.body.data.contact.phone).toBe('+8613812345678');
    });

    it('400 without X-Processing-Purpose; 403 no-legal-basis under a purpose without consent; 404 and 400 for bad ids', async () => {
      expect((await call('GET', `/v1/subjects/${subjectId}`, staff)).body.code).toBe('purpose-required');
      const marketing = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'marketing' });
      expect(marketing.status).toBe(403);
      expect(marketing.body.code).toBe('no-legal-basis');
      expect((await call('GET', `/v1/subjects/01900000-0000-7000-8000-000000000000`, staff, undefined, { 'x-processing-purpose': 'health-management' })).status).toBe(404);
      expect((await call('GET', `/v1/subjects/not-a-uuid`, staff, undefined, { 'x-processing-purpose': 'health-management' })).status).toBe(400);
    });

    it('lets a data subject read its own record without a purpose, and nobody else’s', async () => {
      const t = tokens(api);
      const own = await call('GET', `/v1/subjects/${subjectId}`, await t.subject(subjectId));
      expect(own.status).toBe(200);
      const other = await call('GET', `/v1/subjects/${subjectId}`, await t.subject('01900000-0000-7000-8000-000000000001'));
      expect(other.status).toBe(403);
    });

    it('PATCH corrects a field with If-Match, returns version and position; 412 on a stale version', async () => {
      const patch = { set: { phone: '+8613900001111' }, reason: 'correction', purposeId: 'health-management' };
      const ok = await call('PATCH', `/v1/subjects/${subjectId}/data/contact`, staff, patch, { 'if-match': '"7"' });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ version: 8, position: expect.any(Number) });
      const stale = await call('PATCH', `/v1/subjects/${subjectId}/data/contact`, staff, patch, { 'if-match': '"7"' });
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ code: 'precondition-failed', currentVersion: 8 });
      const read = await call('GET', `/v1/subjects/${subjectId}?reveal=contact`, staff, undefined, { 'x-processing-purpose': 'health-management' });
      expect(read.body.data.contact.phone).toBe('+8613900001111');
    });

    it('PATCH refuses unknown fields and categories, and processing outside the purpose or basis', async () => {
      const bad = await call('PATCH', `/v1/subjects/${subjectId}/data/contact`, staff, { set: { fax: '1' }, reason: 'update', purposeId: 'health-management' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ path: 'set.fax', message: 'unknown field' }]);
      expect((await call('PATCH', `/v1/subjects/${subjectId}/data/pets`, staff, { set: { a: 1 }, reason: 'update', purposeId: 'health-management' })).status).toBe(404);
      const outside = await call('PATCH', `/v1/subjects/${subjectId}/data/preferences`, staff, { set: { interests: ['x'] }, reason: 'update', purposeId: 'health-management' });
      expect(outside.status).toBe(422);
      expect(outside.body.code).toBe('category-not-in-purpose');
      const bodyProblem = await call('PATCH', `/v1/subjects/${subjectId}/data/contact`, staff, { set: { email: 'a@b.cn' }, reason: 'rewrite', purposeId: 'health-management' });
      expect(bodyProblem.status).toBe(400);
      expect(bodyProblem.body.errors[0].path).toBe('reason');
    });

    it('adds one exam to a list without resending the list', async () => {
      // exams of two and one months ago: dates of the past on the ledger's clock
      const exam = { date: chinaDate(-61), type: '年度体检', findings: '血糖偏高' };
      const later = { ...exam, date: chinaDate(-30) };
      const added = await call('POST', `/v1/subjects/${subjectId}/data/health_records/exams/items`, staff, { item: exam, purposeId: 'health-management' });
      expect(added.status).toBe(201);
      expect((await call('POST', `/v1/subjects/${subjectId}/data/health_records/exams/items`, staff, { item: later, purposeId: 'health-management' })).status).toBe(201);
      const read = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
      expect(read.body.data.health_records.exams).toEqual([exam, later]);
      const badItem = await call('POST', `/v1/subjects/${subjectId}/data/health_records/exams/items`, staff, { item: { date: '2999-01-01' }, purposeId: 'health-management' });
      expect(badItem.status).toBe(400);
      expect(badItem.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['item.date', 'item.type']));
    });
  });

  describe('consents, restrictions, disclosures', () => {
    let subjectId: string;
    beforeAll(async () => {
      subjectId = (await register(registrationWith(20))).body.subjectId;
    });

    it('grants a marketing consent, reads under it, and the subject withdraws it with its own token', async () => {
      const granted = await call('POST', `/v1/subjects/${subjectId}/consents`, staff, {
        purposeId: 'marketing',
        categories: ['contact', 'identity'],
        separate: false,
        noticeVersion: 'v1',
        channel: 'app',
      });
      expect(granted.status).toBe(201);
      expect(granted.body).toEqual({ consentId: expect.any(String), version: 8, position: expect.any(Number) });
      const read = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'marketing' });
      expect(Object.keys(read.body.data).sort()).toEqual(['contact', 'identity']);

      const own = await tokens(api).subject(subjectId);
      const withdrawn = await call('DELETE', `/v1/subjects/${subjectId}/consents/${granted.body.consentId}`, own);
      expect(withdrawn.status).toBe(200);
      const refused = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'marketing' });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('no-legal-basis');
      const necessary = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
      expect(necessary.status).toBe(200);
      const consents = necessary.body.consents.map((c: { purposeId: string; status: string }) => [c.purposeId, c.status]);
      expect(consents).toEqual([
        ['health-management', 'active'],
        ['marketing', 'withdrawn'],
      ]);
    });

    it('treats a subject as the child a later birth date shows (PIPL Art. 31): its own consents stop counting until a guardian consents', async () => {
      const child = await register(registration({ data: { identity: { name: '王小明' }, contact: { phone: '+8613700001234' } } }));
      expect(child.status).toBe(201);
      const id = child.body.subjectId;
      const own = await call('POST', `/v1/subjects/${id}/consents`, staff, {
        purposeId: 'marketing',
        categories: ['contact', 'identity'],
        separate: false,
        noticeVersion: 'v1',
        channel: 'app',
      });
      expect(own.status).toBe(201);
      const childhood = bornYearsAgo(9, 150); // nine and a bit on the ledger's today
      const corrected = await call('PATCH', `/v1/subjects/${id}/data/identity`, staff, { set: { birthDate: childhood }, reason: 'correction', purposeId: 'health-management' });
      expect(corrected.status).toBe(200);
      const at = { 'x-ledger-min-position': String(corrected.body.position) };

      const read = await call('GET', `/v1/subjects/${id}`, staff, undefined, { 'x-processing-purpose': 'marketing', ...at });
      expect([read.status, read.body.code]).toEqual([403, 'no-legal-basis']);
      const unguarded = await call('POST', `/v1/subjects/${id}/consents`, staff, {
        purposeId: 'marketing',
        categories: ['contact', 'identity'],
        separate: true,
        noticeVersion: 'v1',
        channel: 'app',
      });
      expect([unguarded.status, unguarded.body.code]).toEqual([422, 'guardian-consent-required']);
      const guarded = await call('POST', `/v1/subjects/${id}/consents`, staff, {
        purposeId: 'marketing',
        categories: ['contact', 'identity'],
        separate: true,
        noticeVersion: 'v1',
        channel: 'app',
        guardian: { name: '王芳', relation: 'mother' },
      });
      expect(guarded.status).toBe(201);
      const allowed = await call('GET', `/v1/subjects/${id}`, staff, undefined, { 'x-processing-purpose': 'marketing', 'x-ledger-min-position': String(guarded.body.position) });
      expect(allowed.status).toBe(200);
      expect(allowed.body.data.identity).toEqual({ name: '王小明', birthDate: childhood });
    });

    it('422 for a consent outside its purpose or under an unknown notice; 404 for an unknown consent', async () => {
      const outside = await call('POST', `/v1/subjects/${subjectId}/consents`, staff, {
        purposeId: 'marketing',
        categories: ['health'],
        separate: true,
        noticeVersion: 'v1',
        channel: 'app',
      });
      expect(outside.body.code).toBe('category-not-in-purpose');
      const noNotice = await call('POST', `/v1/subjects/${subjectId}/consents`, staff, {
        purposeId: 'marketing',
        categories: ['contact'],
        separate: false,
        noticeVersion: 'v7',
        channel: 'app',
      });
      expect(noNotice.body.code).toBe('unknown-notice');
      const unknown = await call('DELETE', `/v1/subjects/${subjectId}/consents/01900000-0000-7000-8000-000000000009`, staff);
      expect(unknown.status).toBe(404);
    });

    it('restricts processing (reads and writes refused), then lifts it', async () => {
      const restricted = await call('POST', `/v1/subjects/${subjectId}/restrictions`, staff, { purposeIds: ['health-management'], reason: '客户对数据准确性有异议' });
      expect(restricted.status).toBe(201);
      const read = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
      expect(read.body.code).toBe('processing-restricted');
      expect(read.status).toBe(403);
      const write = await call('PATCH', `/v1/subjects/${subjectId}/data/contact`, staff, { set: { email: 'x@y.cn' }, reason: 'update', purposeId: 'health-management' });
      expect(write.status).toBe(403);
      const lifted = await call('DELETE', `/v1/subjects/${subjectId}/restrictions/${restricted.body.restrictionId}`, staff);
      expect(lifted.status).toBe(200);
      expect((await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management' })).status).toBe(200);
    });

    it('records a disclosure under a separate consent; 422 without one', async () => {
      const ok = await call('POST', `/v1/subjects/${subjectId}/disclosures`, staff, {
        recipient: { name: '某某检验中心', contact: 'lab@example.cn' },
        purposeId: 'health-management',
        categories: ['health'],
      });
      expect(ok.status).toBe(201);
      expect(ok.body).toEqual({ disclosureId: expect.any(String), version: expect.any(Number), position: expect.any(Number) });
      const refused = await call('POST', `/v1/subjects/${subjectId}/disclosures`, staff, {
        recipient: { name: 'X', contact: 'x' },
        purposeId: 'health-management',
        categories: ['contact'],
      });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('separate-consent-required');
    });

    it('carries actor, roles, purpose, legal basis, correlation and causation ids on every event', async () => {
      await call(
        'PATCH',
        `/v1/subjects/${subjectId}/data/employment`,
        staff,
        { set: { title: '高级工程师' }, reason: 'update', purposeId: 'health-management' },
        { 'x-correlation-id': '0b9e5a43-6f1c-4d2e-9a8b-7c6d5e4f3a21' },
      );
      const { rows } = await api.database.pool.query(`SELECT metadata FROM ledger_events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1`, [`subject-${subjectId}`]);
      expect(rows[0].metadata).toEqual({
        actor: 'staff-wang',
        roles: ['staff'],
        purposeId: 'health-management',
        legalBasis: 'contract',
        correlationId: '0b9e5a43-6f1c-4d2e-9a8b-7c6d5e4f3a21',
        causationId: expect.any(String),
      });
    });
  });

  describe('every subject mutation: purpose and legal basis on each event, If-Match honoured', () => {
    const CORRELATION = '3f2a6c1e-8b4d-4e7a-9c5b-1d2e3f4a5b6c';
    const traced = { 'x-correlation-id': CORRELATION };
    const streamOf = (id: string) => `subject-${id}`;
    const versionOf = async (id: string): Promise<number> =>
      (await api.database.pool.query(`SELECT coalesce(max(stream_version), 0)::int AS v FROM ledger_events WHERE stream_id = $1`, [streamOf(id)])).rows[0].v;
    const ok = async (method: string, path: string, body?: unknown, token = staff) => {
      const response = await call(method, path, token, body, traced);
      if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    const marketingConsent = { purposeId: 'marketing', categories: ['contact'], separate: false, noticeVersion: 'v1', channel: 'app' };
    const disclosure = { recipient: { name: '某某检验中心', contact: 'lab@example.cn' }, purposeId: 'health-management', categories: ['health'] };

    /** Malformed → 400, stale → 412 writing nothing, the current version → success with the next ETag. */
    async function honoursIfMatch(subjectId: string, method: string, path: string, body: unknown, status: number) {
      const before = await versionOf(subjectId);
      const malformed = await call(method, path, staff, body, { 'if-match': 'yesterday' });
      expect([malformed.status, malformed.body.code, malformed.body.errors]).toEqual([400, 'invalid-if-match', [{ path: 'headers.if-match', message: expect.any(String) }]]);
      const stale = await call(method, path, staff, body, { 'if-match': '"1"' });
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ code: 'precondition-failed', currentVersion: before });
      expect(await versionOf(subjectId)).toBe(before);
      const matching = await call(method, path, staff, body, { 'if-match': `"${before}"` });
      expect(matching.status).toBe(status);
      expect(matching.body).toMatchObject({ version: before + 1, position: expect.any(Number) });
      expect(matching.headers.get('etag')).toBe(`"${before + 1}"`);
      expect(await versionOf(subjectId)).toBe(before + 1);
      return matching.body;
    }

    it('POST and DELETE restrictions, POST disclosures and DELETE consents: 400 malformed If-Match, 412 stale (nothing appended), success when it matches', async () => {
      const subjectId = (await register(registrationWith(30))).body.subjectId;
      const restricted = await honoursIfMatch(subjectId, 'POST', `/v1/subjects/${subjectId}/restrictions`, { purposeIds: ['research'], reason: '客户要求暂停研究用途' }, 201);
      expect(restricted.restrictionId).toEqual(expect.any(String));
      await honoursIfMatch(subjectId, 'DELETE', `/v1/subjects/${subjectId}/restrictions/${restricted.restrictionId}`, undefined, 200);
      const disclosed = await honoursIfMatch(subjectId, 'POST', `/v1/subjects/${subjectId}/disclosures`, disclosure, 201);
      expect(disclosed.disclosureId).toEqual(expect.any(String));
      const { consentId } = await ok('POST', `/v1/subjects/${subjectId}/consents`, marketingConsent);
      const withdrawn = await honoursIfMatch(subjectId, 'DELETE', `/v1/subjects/${subjectId}/consents/${consentId}`, undefined, 200);
      expect(withdrawn).toMatchObject({ consentId, status: 'withdrawn' });
    });

    it('records actor, roles, purposeId, legalBasis, correlationId and causationId on every event type the API appends', async () => {
      const HOLD_BASIS = '医疗机构病历管理规定 第29条';
      const subjectId = (await call('POST', '/v1/subjects', staff, registrationWith(31), traced)).body.subjectId;
      const change = (reason: string, set: Record<string, unknown>) => ok('PATCH', `/v1/subjects/${subjectId}/data/contact`, { set, reason, purposeId: 'health-management' });
      await change('update', { email: 'zw@example.cn' });
      await change('correction', { phone: '+8613900002222' });
      await change('supplement', { email: 'zhang.wei@work.example.cn' });
      await ok('POST', `/v1/subjects/${subjectId}/data/health/allergies/items`, { item: '花粉', purposeId: 'health-management' });
      const { consentId } = await ok('POST', `/v1/subjects/${subjectId}/consents`, marketingConsent);
      await ok('DELETE', `/v1/subjects/${subjectId}/consents/${consentId}`, undefined, await tokens(api).subject(subjectId));
      await ok('POST', `/v1/subjects/${subjectId}/disclosures`, disclosure);
      const one = await ok('POST', `/v1/subjects/${subjectId}/restrictions`, { purposeIds: ['health-management'], reason: '对准确性有异议' });
      await ok('DELETE', `/v1/subjects/${subjectId}/restrictions/${one.restrictionId}`);
      const several = await ok('POST', `/v1/subjects/${subjectId}/restrictions`, { purposeIds: ['marketing', 'research'], reason: '暂停营销与研究' });
      const lifted = await ok('DELETE', `/v1/subjects/${subjectId}/restrictions/${several.restrictionId}`);

      // readers of the metadata take the reserved purpose in their stride
      const history = await call('GET', `/v1/subjects/${subjectId}/history`, compliance, undefined, {
        'x-processing-purpose': 'health-management',
        'x-ledger-min-position': String(lifted.position),
      });
      expect(history.status).toBe(200);
      expect(
        history.body
          .filter((e: { eventType: string }) => e.eventType === 'ProcessingRestricted')
          .map((e: { purposeId: string; legalBasis: string }) => [e.purposeId, e.legalBasis]),
      ).toEqual([
        ['health-management', 'legal_obligation'],
        ['pipl:rights', 'legal_obligation'],
      ]);
      // and it grants nothing: no purpose of that id can be processed under
      const underReserved = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'pipl:rights' });
      expect([underReserved.status, underReserved.body.code]).toEqual([422, 'unknown-purpose']);

      // erasure through a rights request, a legal hold keeping health: restriction to storage, then erasure
      await ok('POST', '/v1/legal-holds', { subjectId, categories: ['health'], basis: HOLD_BASIS, until: chinaDate(15 * 365) }, compliance);
      const own = await tokens(api).subject(subjectId);
      expect((await call('GET', `/v1/subjects/${subjectId}`, own, undefined, { 'x-ledger-min-position': String(lifted.position) })).status).toBe(200);
      const filed = await ok('POST', '/v1/rights-requests', { subjectId, type: 'erasure', channel: 'app', requester: { kind: 'subject' } }, own);
      const fulfilled = await ok('POST', `/v1/rights-requests/${filed.requestId}/fulfil`, undefined, compliance);
      expect(fulfilled.status).toBe('fulfilled');

      const { rows } = await api.database.pool.query(`SELECT type, metadata FROM ledger_events WHERE stream_id = $1 ORDER BY stream_version`, [streamOf(subjectId)]);
      const staffActor = { actor: 'staff-wang', roles: ['staff'] };
      const subjectActor = { actor: `subject-${subjectId}`, roles: ['data_subject'] };
      const officerActor = { actor: 'co-zhao', roles: ['compliance_officer'] };
      const service = { purposeId: 'health-management', legalBasis: 'contract' };
      const rights = (purposeId: string) => ({ purposeId, legalBasis: 'legal_obligation' });
      const registered = ['SubjectRegistered', 'ConsentGranted', 'DataCollected', 'DataCollected', 'DataCollected', 'DataCollected', 'DataCollected'];
      const expected: Array<[string, object, object]> = [
        ...registered.map((type): [string, object, object] => [type, staffActor, service]),
        ['DataUpdated', staffActor, service],
        ['DataCorrected', staffActor, service],
        ['DataSupplemented', staffActor, service],
        ['DataItemAdded', staffActor, service],
        ['ConsentGranted', staffActor, { purposeId: 'marketing', legalBasis: 'consent' }],
        ['ConsentWithdrawn', subjectActor, rights('marketing')],
        ['DisclosedToThirdParty', staffActor, service],
        ['ProcessingRestricted', staffActor, rights('health-management')],
        ['RestrictionLifted', staffActor, rights('health-management')],
        ['ProcessingRestricted', staffActor, rights('pipl:rights')],
        ['RestrictionLifted', staffActor, rights('pipl:rights')],
        ['ProcessingRestricted', officerActor, rights('pipl:rights')],
        ['SubjectErased', officerActor, rights('pipl:rights')],
      ];
      expect(rows.map((row) => row.type)).toEqual(expected.map(([type]) => type));
      rows.forEach((row, index) => {
        const [, actor, purpose] = expected[index];
        expect({ type: row.type, metadata: row.metadata }).toEqual({
          type: row.type,
          metadata: { ...actor, ...purpose, correlationId: CORRELATION, causationId: expect.stringMatching(/\S/) },
        });
      });

      const audited = await call('GET', `/v1/audit/events?subjectId=${subjectId}&type=SubjectErased`, compliance);
      expect(audited.status).toBe(200);
      expect(audited.body.items).toEqual([expect.objectContaining({ type: 'SubjectErased', actor: 'co-zhao', purposeId: 'pipl:rights', legalBasis: 'legal_obligation' })]);
    });
  });

  describe('registry', () => {
    it('seeds the default registry and lets admins add purposes and immutable notices', async () => {
      const purposes = await call('GET', '/v1/purposes', staff);
      expect(purposes.body.map((p: { id: string }) => p.id)).toEqual(['health-management', 'marketing', 'research']);
      const purpose = {
        id: 'newsletter',
        name: '电子报',
        description: 'Monthly newsletter',
        legalBasis: 'consent',
        categories: ['contact'],
        necessaryForService: false,
        retentionDays: 365,
      };
      expect((await call('POST', '/v1/purposes', admin, purpose)).status).toBe(201);
      expect((await call('POST', '/v1/purposes', admin, purpose)).status).toBe(409);
      expect((await call('POST', '/v1/purposes', staff, purpose)).status).toBe(403);
      expect((await call('POST', '/v1/purposes', admin, { ...purpose, id: 'x', legalBasis: 'whim' })).body.errors[0].path).toBe('legalBasis');

      const notice = { version: 'v2', content: '新的隐私政策 / new notice', purposeIds: ['newsletter'] };
      const published = await call('POST', '/v1/notices', admin, notice);
      expect(published.status).toBe(201);
      expect(published.body.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect((await call('POST', '/v1/notices', admin, { ...notice, content: 'changed' })).status).toBe(409);
      expect((await call('GET', '/v1/notices/v2', compliance)).body).toMatchObject({ version: 'v2', content: notice.content, contentHash: published.body.contentHash });
      expect((await call('POST', '/v1/notices', admin, { ...notice, version: 'v3', purposeIds: ['ghost'] })).body.code).toBe('unknown-purpose');
    });
  });
});
