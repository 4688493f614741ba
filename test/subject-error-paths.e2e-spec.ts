import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { bornYearsAgo, chinaDate } from './support/test-clock';

/**
 * The refusals of the subject endpoints, black-box over HTTP: every refused mutation answers
 * problem+json with its code and leaves the subject's stream as it was.
 */
const JWT_SECRET = randomBytes(32).toString('hex');
const HM = 'health-management';
const PURPOSE = { 'x-processing-purpose': HM };
const UNKNOWN_ID = '01900000-0000-7000-8000-00000000abcd';

type Reply = Awaited<ReturnType<ReturnType<typeof jsonRequest>>>;

/** A valid resident ID (GB 11643) born 1980-05-01, one per n. */
const numberFor = (n: number): string => residentId('1980-05-01', 100 + n);

/** Tomorrow in China (UTC+8) on the ledger's pinned clock: the first date the API must call "in the future". */
const chinaTomorrow = () => chinaDate(1);

/** A date three months back on the ledger's clock: an exam or survey that may be recorded. */
const EXAM_DATE = chinaDate(-92);

/** Ten on the ledger's (pinned) today: a child under PIPL Art. 31. */
const CHILD_BIRTH_DATE = bornYearsAgo(10);

describe('subject endpoints: error paths over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let admin: string;
  let compliance: string;
  let ops: string;
  let auditor: string;
  let foreignToken: string;
  let expiredToken: string;
  let tamperedToken: string;
  let subjectToken: (subjectId: string) => Promise<string>;

  beforeAll(async () => {
    api = await startTestApi({ jwtSecret: JWT_SECRET });
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, admin, compliance, ops] = await Promise.all([t.staff(), t.admin(), t.compliance(), t.ops()]);
    auditor = await t.auditor();
    subjectToken = (subjectId) => t.subject(subjectId);
    const now = Math.floor(Date.now() / 1000);
    // well-formed HS256 tokens: one under a key the ledger does not know, one expired an hour ago
    foreignToken = await new SignJWT({ roles: ['staff'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('staff-wang')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(randomBytes(32));
    expiredToken = await new SignJWT({ roles: ['staff'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('staff-wang')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const [header, payload] = staff.split('.');
    const elevated = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), roles: ['staff', 'admin'] })).toString('base64url');
    tamperedToken = `${header}.${elevated}.${staff.split('.')[2]}`;
  });
  afterAll(async () => api.close());

  // ---- helpers -------------------------------------------------------------------------------

  let registered = 0;
  /** Registers the realistic customer file with its own ID number (n) and returns its id. */
  const register = async (overrides: Record<string, unknown> = {}, idNumber = numberFor(++registered)): Promise<string> => {
    const body = registration(overrides) as ReturnType<typeof registration>;
    const data = 'data' in overrides ? body.data : { ...body.data, identity_document: { type: 'resident_id', number: idNumber } };
    const response = await call('POST', '/v1/subjects', staff, { ...body, data });
    expect(response.status).toBe(201);
    return response.body.subjectId;
  };
  /** A subject without any consent: only identity and contact (contract basis, not sensitive). */
  const registerPlain = (consents: unknown[] = []) =>
    register({ consents, data: { identity: { name: '李娜', birthDate: '1980-05-01' }, contact: { phone: '13912345678', email: 'li.na@example.cn' } } });

  /** The subject's stream version straight from the log: what a refused request must not move. */
  const streamVersion = async (subjectId: string): Promise<number> =>
    (await api.database.pool.query(`SELECT coalesce(max(stream_version), 0)::int AS v FROM ledger_events WHERE stream_id = $1`, [`subject-${subjectId}`])).rows[0].v;
  const eventCount = async (subjectId: string, type: string): Promise<number> =>
    (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id = $1 AND type = $2`, [`subject-${subjectId}`, type])).rows[0].n;
  const read = (subjectId: string, query = '') => call('GET', `/v1/subjects/${subjectId}${query}`, staff, undefined, PURPOSE);

  /** The distinct field paths a 400 names (one entry per broken constraint, so a path may repeat). */
  const pathsOf = (reply: Reply): string[] => [...new Set<string>((reply.body.errors ?? []).map((e: { path: string }) => e.path))].sort();

  /** A problem+json of this status and code; for 400s, exactly these field paths. */
  const expectProblem = (reply: Reply, status: number, code: string, paths?: string[]) => {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body).toMatchObject({ type: `urn:pi-ledger:problem:${code}`, status, code, title: expect.any(String) });
    if (paths) expect(pathsOf(reply)).toEqual([...paths].sort());
  };

  /** Runs a request that must be refused and checks the subject's stream did not move. */
  const refused = async (subjectId: string, request: () => Promise<Reply>): Promise<Reply> => {
    const before = await streamVersion(subjectId);
    const reply = await request();
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(await streamVersion(subjectId)).toBe(before);
    return reply;
  };

  /** 401 for every way a token can be missing or wrong, with its code and a Bearer challenge. */
  const expectUnauthenticated = async (subjectId: string, send: (authorization: Record<string, string>) => Promise<Reply>) => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no Authorization header', {}, 'unauthorized'],
      ['another scheme', { authorization: `Basic ${Buffer.from('staff:pw').toString('base64')}` }, 'unauthorized'],
      ['not a JWT', { authorization: 'Bearer not.a.jwt' }, 'invalid-token'],
      ['signed with another key', { authorization: `Bearer ${foreignToken}` }, 'invalid-token'],
      ['payload changed after signing', { authorization: `Bearer ${tamperedToken}` }, 'invalid-token'],
      ['expired', { authorization: `Bearer ${expiredToken}` }, 'token-expired'],
    ];
    for (const [why, headers, code] of cases) {
      const reply = await refused(subjectId, () => send(headers));
      expect({ why, status: reply.status, code: reply.body?.code }).toEqual({ why, status: 401, code });
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="pi-ledger"/);
    }
  };
  /** A raw request with only the given headers (so no token unless the case adds one). */
  const raw = async (method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Reply> => {
    const response = await api.request(path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };

  /** 403 forbidden for each token, naming the roles the route needs; nothing written. */
  /** Every role the endpoint refuses, with the subject's own token: staff alone may act, or staff and compliance officers. */
  const everyoneBut = async (allowed: 'staff' | 'staff and compliance officers', subjectId: string): Promise<Array<[string, string]>> => [
    ['auditor', auditor],
    ['ops', ops],
    ['admin', admin],
    ...(allowed === 'staff' ? [['compliance officer', compliance] as [string, string]] : []),
    ['the subject itself', await subjectToken(subjectId)],
  ];
  const expectForbidden = async (subjectId: string, callers: Array<[string, string]>, send: (token: string) => Promise<Reply>, requiredRoles?: string[]) => {
    for (const [who, token] of callers) {
      const reply = await refused(subjectId, () => send(token));
      expect({ who, status: reply.status, code: reply.body?.code }).toEqual({ who, status: 403, code: 'forbidden' });
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      if (requiredRoles) expect({ who, requiredRoles: reply.body.requiredRoles }).toEqual({ who, requiredRoles });
    }
  };

  const contactChange = { set: { email: 'changed@example.cn' }, reason: 'update', purposeId: HM };

  // ---- PATCH /v1/subjects/{id}/data/{category} -------------------------------------------------

  describe('PATCH /v1/subjects/{id}/data/{category}', () => {
    let subjectId: string;
    const patch = (id: string, category: string, body: unknown, token: string | undefined = staff, headers: Record<string, string> = {}) =>
      call('PATCH', `/v1/subjects/${id}/data/${category}`, token, body, headers);
    beforeAll(async () => {
      subjectId = await register();
    });

    it('401 without a valid token, and writes nothing', async () => {
      await expectUnauthenticated(subjectId, (headers) => raw('PATCH', `/v1/subjects/${subjectId}/data/contact`, contactChange, headers));
    });

    it('403 for roles that may not change data, and for data-subject tokens (own or another’s): the contract gives PATCH to staff only', async () => {
      const callers = [...(await everyoneBut('staff', subjectId)), ['another subject', await subjectToken(UNKNOWN_ID)] as [string, string]];
      await expectForbidden(subjectId, callers, (token) => patch(subjectId, 'contact', contactChange, token), ['staff', 'front_desk', 'health_manager', 'customer_service']);
      expect((await read(subjectId, '?reveal=contact')).body.data.contact.email).toBe('zhang.wei@example.cn');
    });

    it('409 duplicate-subject with the holder’s id when the new ID number belongs to another active subject; nothing moves', async () => {
      const holderNumber = numberFor(++registered);
      const holder = await register({}, holderNumber);
      const ownNumber = numberFor(++registered);
      const other = await register({}, ownNumber);

      const reply = await refused(other, () => patch(other, 'identity_document', { set: { number: holderNumber }, reason: 'correction', purposeId: HM }));
      expectProblem(reply, 409, 'duplicate-subject');
      expect(reply.body.existingSubjectId).toBe(holder);
      expect(JSON.stringify(reply.body)).not.toContain(holderNumber);

      // the refused subject keeps its own number, and each number still belongs to its holder
      expect((await read(other, '?reveal=identity_document')).body.data.identity_document.number).toBe(ownNumber);
      const takenOwn = await call('POST', '/v1/subjects', staff, {
        ...registration(),
        data: { ...registration().data, identity_document: { type: 'resident_id', number: ownNumber } },
      });
      expect({ status: takenOwn.status, code: takenOwn.body.code, existing: takenOwn.body.existingSubjectId }).toEqual({ status: 409, code: 'duplicate-subject', existing: other });
      const takenHolder = await call('POST', '/v1/subjects', staff, {
        ...registration(),
        data: { ...registration().data, identity_document: { type: 'resident_id', number: holderNumber } },
      });
      expect({ status: takenHolder.status, existing: takenHolder.body.existingSubjectId }).toEqual({ status: 409, existing: holder });
    });

    it('422 separate-consent-required for a sensitive category without a separate consent (a plain consent is not even granted); the number is not kept', async () => {
      const general = await call('POST', '/v1/subjects', staff, {
        ...registration(),
        consents: [{ purposeId: HM, categories: ['health', 'identity_document'], separate: false }],
        data: { identity: { name: '李娜', birthDate: '1980-05-01' } },
      });
      expectProblem(general, 422, 'separate-consent-required');
      expect(general.body.errors).toEqual([{ path: 'consents[0].separate', message: 'must be true: health, identity_document are sensitive' }]);
      const plain = await registerPlain();
      const health = await refused(plain, () => patch(plain, 'health', { set: { conditions: ['高血压'] }, reason: 'supplement', purposeId: HM }));
      expectProblem(health, 422, 'separate-consent-required');
      const number = numberFor(++registered);
      const document = await refused(plain, () => patch(plain, 'identity_document', { set: { type: 'resident_id', number }, reason: 'supplement', purposeId: HM }));
      expectProblem(document, 422, 'separate-consent-required');
      expect(Object.keys((await read(plain)).body.data).sort()).toEqual(['contact', 'identity']);
      // the refused change did not reserve the number: another subject registers with it
      const withNumber = await call('POST', '/v1/subjects', staff, { ...registration(), data: { ...registration().data, identity_document: { type: 'resident_id', number } } });
      expect(withNumber.status).toBe(201);
    });

    it('400 validation-failed naming each bad field, and writes nothing', async () => {
      const change = (category: string, set: unknown, extra: Record<string, unknown> = {}) => [category, { set, reason: 'update', purposeId: HM, ...extra }] as const;
      const cases: Array<[string, readonly [string, unknown], string[]]> = [
        ['unknown field', change('contact', { fax: '010-12345678' }), ['set.fax']],
        ['unknown field removed with null', change('identity', { shoeSize: null }), ['set.shoeSize']],
        ['invalid phone', change('contact', { phone: '12345' }), ['set.phone']],
        ['landline, not a mobile', change('contact', { phone: '010-12345678' }), ['set.phone']],
        ['invalid email', change('contact', { email: 'not-an-email' }), ['set.email']],
        ['birth date tomorrow', change('identity', { birthDate: chinaTomorrow() }), ['set.birthDate']],
        ['impossible date', change('identity', { birthDate: '1980-02-30' }), ['set.birthDate']],
        ['surgery in the future', change('health', { surgeries: [{ name: '阑尾切除术', date: '2999-01-01' }] }), ['set.surgeries[0].date']],
        ['bad ID check digit', change('identity_document', { number: '110101198005010017' }), ['set.number']],
        ['nothing to set', change('contact', {}), ['set']],
        ['set is not an object', change('contact', ['phone']), ['set']],
        ['unknown top-level field', change('contact', { email: 'a@b.cn' }, { surprise: 1 }), ['surprise']],
        ['unknown reason', change('contact', { email: 'a@b.cn' }, { reason: 'rewrite' }), ['reason']],
        ['no purpose', ['contact', { set: { email: 'a@b.cn' }, reason: 'update' }], ['purposeId']],
      ];
      for (const [why, [category, body], paths] of cases) {
        const reply = await refused(subjectId, () => patch(subjectId, category, body));
        expect({ why, status: reply.status, code: reply.body.code }).toEqual({ why, status: 400, code: 'validation-failed' });
        expect({ why, paths: pathsOf(reply) }).toEqual({ why, paths: [...paths].sort() });
        expect(JSON.stringify(reply.body)).not.toContain('110101198005010017');
      }
      // the subject above has an ID number, which any other birth date contradicts: on one without,
      // only the date itself can be refused
      const plain = await registerPlain();
      const tomorrow = await refused(plain, () => patch(plain, 'identity', { set: { birthDate: chinaTomorrow() }, reason: 'correction', purposeId: HM }));
      expectProblem(tomorrow, 400, 'validation-failed', ['set.birthDate']);
      expect(tomorrow.body.errors[0].message).toMatch(/not in the future/);
    });

    it('412 on a stale If-Match when changing the ID number: nothing written, and the number stays free', async () => {
      const number = numberFor(++registered);
      const current = await streamVersion(subjectId);
      const stale = await refused(subjectId, () =>
        patch(subjectId, 'identity_document', { set: { number }, reason: 'correction', purposeId: HM }, staff, { 'if-match': `"${current - 1}"` }),
      );
      expectProblem(stale, 412, 'precondition-failed');
      expect(stale.body.currentVersion).toBe(current);
      expect((await read(subjectId, '?reveal=identity_document')).body.data.identity_document.number).not.toBe(number);
      const withNumber = await call('POST', '/v1/subjects', staff, { ...registration(), data: { ...registration().data, identity_document: { type: 'resident_id', number } } });
      expect(withNumber.status).toBe(201);
    });

    it('404 for an unknown category or subject, 400 for a malformed subject id or If-Match', async () => {
      expectProblem(await refused(subjectId, () => patch(subjectId, 'pets', { set: { cat: true }, reason: 'update', purposeId: HM })), 404, 'category-not-found');
      expectProblem(await patch(UNKNOWN_ID, 'contact', contactChange), 404, 'subject-not-found');
      expect(await streamVersion(UNKNOWN_ID)).toBe(0);
      expectProblem(await patch('not-a-uuid', 'contact', contactChange), 400, 'validation-failed', ['id']);
      expectProblem(await refused(subjectId, () => patch(subjectId, 'contact', contactChange, staff, { 'if-match': 'latest' })), 400, 'invalid-if-match', ['headers.if-match']);
    });
  });

  // ---- POST /v1/subjects/{id}/data/{category}/{field}/items ------------------------------------

  describe('POST /v1/subjects/{id}/data/{category}/{field}/items', () => {
    let subjectId: string;
    const exam = { date: EXAM_DATE, type: '年度体检', findings: '血压正常' };
    const add = (id: string, category: string, field: string, body: unknown, token: string | undefined = staff, headers: Record<string, string> = {}) =>
      call('POST', `/v1/subjects/${id}/data/${category}/${field}/items`, token, body, headers);
    beforeAll(async () => {
      subjectId = await register();
    });

    it('401 without a valid token', async () => {
      await expectUnauthenticated(subjectId, (headers) => raw('POST', `/v1/subjects/${subjectId}/data/health_records/exams/items`, { item: exam, purposeId: HM }, headers));
    });

    it('403 for every role but staff, the subject’s own token included', async () => {
      const callers = await everyoneBut('staff', subjectId);
      await expectForbidden(subjectId, callers, (token) => add(subjectId, 'health_records', 'exams', { item: exam, purposeId: HM }, token), [
        'staff',
        'front_desk',
        'health_manager',
        'customer_service',
      ]);
    });

    it('412 precondition-failed with the current version on a stale If-Match; the matching one is accepted', async () => {
      const current = await streamVersion(subjectId);
      const stale = await refused(subjectId, () => add(subjectId, 'health_records', 'exams', { item: exam, purposeId: HM }, staff, { 'if-match': `"${current - 1}"` }));
      expectProblem(stale, 412, 'precondition-failed');
      expect(stale.body.currentVersion).toBe(current);
      const fresh = await add(subjectId, 'health_records', 'exams', { item: exam, purposeId: HM }, staff, { 'if-match': `"${current}"` });
      expect(fresh.status).toBe(201);
      expect(fresh.body).toEqual({ version: current + 1, position: expect.any(Number) });
      expect(fresh.headers.get('etag')).toBe(`"${current + 1}"`);
      expect((await read(subjectId)).body.data.health_records.exams).toEqual([exam]);
    });

    it('422 with the rule’s code: category outside the purpose, unknown purpose, no consent, no separate consent', async () => {
      expectProblem(await refused(subjectId, () => add(subjectId, 'preferences', 'interests', { item: '瑜伽', purposeId: HM })), 422, 'category-not-in-purpose');
      expectProblem(await refused(subjectId, () => add(subjectId, 'health_records', 'exams', { item: exam, purposeId: 'ghost' })), 422, 'unknown-purpose');
      expectProblem(await refused(subjectId, () => add(subjectId, 'preferences', 'interests', { item: '瑜伽', purposeId: 'marketing' })), 422, 'consent-required');
      const plain = await registerPlain();
      expectProblem(await refused(plain, () => add(plain, 'health', 'conditions', { item: '高血压', purposeId: HM })), 422, 'separate-consent-required');
      expectProblem(await refused(plain, () => add(plain, 'health_records', 'exams', { item: exam, purposeId: HM })), 422, 'separate-consent-required');
    });

    it('400 naming the field for a bad item or a field that is not a list; 404 for an unknown category', async () => {
      const cases: Array<[string, string, string, unknown, string[]]> = [
        ['exam without type', 'health_records', 'exams', { item: { date: EXAM_DATE }, purposeId: HM }, ['item.type']],
        ['exam in the future', 'health_records', 'exams', { item: { ...exam, date: chinaTomorrow() }, purposeId: HM }, ['item.date']],
        ['exam with an unknown field', 'health_records', 'exams', { item: { ...exam, doctor: '王医生' }, purposeId: HM }, ['item.doctor']],
        ['exam that is not an object', 'health_records', 'exams', { item: '年度体检', purposeId: HM }, ['item']],
        ['no item', 'health_records', 'exams', { purposeId: HM }, ['item']],
        ['survey score out of range', 'service_interactions', 'surveys', { item: { date: EXAM_DATE, score: 11 }, purposeId: HM }, ['item.score']],
        ['not a list field', 'identity', 'name', { item: '张三', purposeId: HM }, ['field']],
        ['unknown top-level field', 'health_records', 'exams', { item: exam, purposeId: HM, surprise: true }, ['surprise']],
      ];
      for (const [why, category, field, body, paths] of cases) {
        const reply = await refused(subjectId, () => add(subjectId, category, field, body));
        expect({ why, status: reply.status, code: reply.body.code }).toEqual({ why, status: 400, code: 'validation-failed' });
        expect({ why, paths: pathsOf(reply) }).toEqual({ why, paths: [...paths].sort() });
      }
      expectProblem(await refused(subjectId, () => add(subjectId, 'pets', 'names', { item: 'cat', purposeId: HM })), 404, 'category-not-found');
      expectProblem(await refused(subjectId, () => add(subjectId, 'health', 'conditions', { item: '', purposeId: HM })), 400, 'validation-failed');
    });

    // A bad element of a list of strings is reported at `item.conditions`, a path the request does not have.
    it('400 for a bad element of a list of strings names `item`, the field that carried it', async () => {
      const reply = await add(subjectId, 'health', 'conditions', { item: '', purposeId: HM });
      expectProblem(reply, 400, 'validation-failed', ['item']);
    });
  });

  // ---- POST /v1/subjects/{id}/consents ---------------------------------------------------------

  describe('POST /v1/subjects/{id}/consents', () => {
    let subjectId: string;
    const consent = { purposeId: 'marketing', categories: ['contact'], separate: false, noticeVersion: 'v1', channel: 'app' };
    const grant = (id: string, body: unknown, token: string | undefined = staff, headers: Record<string, string> = {}) =>
      call('POST', `/v1/subjects/${id}/consents`, token, body, headers);
    beforeAll(async () => {
      subjectId = await register();
    });

    it('400 naming a missing, malformed or unknown field', async () => {
      const without = (field: string) => Object.fromEntries(Object.entries(consent).filter(([k]) => k !== field));
      const cases: Array<[string, unknown, string[]]> = [
        ['no channel', without('channel'), ['channel']],
        ['no noticeVersion', without('noticeVersion'), ['noticeVersion']],
        ['no categories', without('categories'), ['categories']],
        ['no separate', without('separate'), ['separate']],
        ['empty categories', { ...consent, categories: [] }, ['categories']],
        ['unknown category', { ...consent, categories: ['pets'] }, ['categories']],
        ['separate not a boolean', { ...consent, separate: 'yes' }, ['separate']],
        ['guardian without relation', { ...consent, guardian: { name: '王芳' } }, ['guardian.relation']],
        ['unknown field', { ...consent, surprise: 1 }, ['surprise']],
      ];
      for (const [why, body, paths] of cases) {
        const reply = await refused(subjectId, () => grant(subjectId, body));
        expect({ why, status: reply.status, code: reply.body.code }).toEqual({ why, status: 400, code: 'validation-failed' });
        expect({ why, paths: pathsOf(reply) }).toEqual({ why, paths: [...paths].sort() });
      }
    });

    it('401 without a valid token', async () => {
      await expectUnauthenticated(subjectId, (headers) => raw('POST', `/v1/subjects/${subjectId}/consents`, consent, headers));
    });

    it('403 for roles other than staff (the subject withdraws consents, it does not record them here)', async () => {
      const callers = await everyoneBut('staff', subjectId);
      await expectForbidden(subjectId, callers, (token) => grant(subjectId, consent, token), ['staff', 'front_desk', 'health_manager', 'customer_service']);
    });

    it('412 precondition-failed on a stale If-Match; nothing granted', async () => {
      const current = await streamVersion(subjectId);
      const stale = await refused(subjectId, () => grant(subjectId, consent, staff, { 'if-match': `"${current - 1}"` }));
      expectProblem(stale, 412, 'precondition-failed');
      expect(stale.body.currentVersion).toBe(current);
      expectProblem(await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'marketing' }), 403, 'no-legal-basis');
    });

    it('422 guardian-consent-required for a registered child without a guardian; with one it is granted', async () => {
      const child = await call('POST', '/v1/subjects', staff, {
        purposeId: HM,
        noticeVersion: 'v1',
        channel: 'front-desk',
        consents: [{ purposeId: HM, categories: ['identity', 'identity_document'], separate: true, guardian: { name: '王芳', relation: 'mother' } }],
        data: { identity: { name: '王小明', birthDate: CHILD_BIRTH_DATE }, identity_document: { type: 'resident_id', number: residentId(CHILD_BIRTH_DATE, 35, '310115') } },
      });
      expect(child.status).toBe(201);
      const childId = child.body.subjectId;
      expectProblem(await refused(childId, () => grant(childId, consent)), 422, 'guardian-consent-required');
      expectProblem(await refused(childId, () => grant(childId, { ...consent, purposeId: HM, categories: ['contact'], separate: true })), 422, 'guardian-consent-required');
      // everything about a child is sensitive (PIPL Art. 28): the guardian's consent must be a separate one
      expectProblem(await refused(childId, () => grant(childId, { ...consent, guardian: { name: '王芳', relation: 'mother' } })), 422, 'separate-consent-required');
      const withGuardian = await grant(childId, { ...consent, separate: true, guardian: { name: '王芳', relation: 'mother' } });
      expect(withGuardian.status).toBe(201);
      expect(withGuardian.body).toEqual({ consentId: expect.any(String), version: 5, position: expect.any(Number) });
    });

    it('422 for an unknown notice version, an unknown purpose, a notice that does not describe the purpose, a category outside it', async () => {
      expectProblem(await refused(subjectId, () => grant(subjectId, { ...consent, noticeVersion: 'v99' })), 422, 'unknown-notice');
      expectProblem(await refused(subjectId, () => grant(subjectId, { ...consent, purposeId: 'ghost' })), 422, 'unknown-purpose');
      expectProblem(await refused(subjectId, () => grant(subjectId, { ...consent, categories: ['health'] })), 422, 'category-not-in-purpose');
      const notice = await call('POST', '/v1/notices', admin, { version: 'hm-only-1', content: '仅健康管理 / health management only', purposeIds: [HM] });
      expect(notice.status).toBe(201);
      expectProblem(await refused(subjectId, () => grant(subjectId, { ...consent, noticeVersion: 'hm-only-1' })), 422, 'notice-does-not-cover-purpose');
      expect(await eventCount(subjectId, 'ConsentGranted')).toBe(1); // the registration’s only
    });
  });

  // ---- DELETE /v1/subjects/{id}/consents/{consentId} -------------------------------------------

  describe('DELETE /v1/subjects/{id}/consents/{consentId}', () => {
    let subjectId: string;
    let consentId: string;
    const withdraw = (id: string, consent: string, token: string | undefined = staff) => call('DELETE', `/v1/subjects/${id}/consents/${consent}`, token);
    const marketingRead = (id: string) => call('GET', `/v1/subjects/${id}`, staff, undefined, { 'x-processing-purpose': 'marketing' });
    beforeAll(async () => {
      subjectId = await register();
      const granted = await call('POST', `/v1/subjects/${subjectId}/consents`, staff, {
        purposeId: 'marketing',
        categories: ['contact', 'identity'],
        separate: false,
        noticeVersion: 'v1',
        channel: 'app',
      });
      expect(granted.status).toBe(201);
      consentId = granted.body.consentId;
    });

    it('401 without a valid token; the consent stays active', async () => {
      await expectUnauthenticated(subjectId, (headers) => raw('DELETE', `/v1/subjects/${subjectId}/consents/${consentId}`, undefined, headers));
      expect((await marketingRead(subjectId)).status).toBe(200);
    });

    it('400 for a malformed consent id, 404 consent-not-found for an unknown one', async () => {
      expectProblem(await refused(subjectId, () => withdraw(subjectId, 'not-a-uuid')), 400, 'validation-failed', ['consentId']);
      expectProblem(await refused(subjectId, () => withdraw(subjectId, UNKNOWN_ID)), 404, 'consent-not-found');
      expectProblem(await withdraw(UNKNOWN_ID, consentId), 404, 'subject-not-found');
      // a consent of this subject, withdrawn through another subject's path
      const other = await register();
      expectProblem(await refused(other, () => withdraw(other, consentId)), 404, 'consent-not-found');
      expect((await marketingRead(subjectId)).status).toBe(200);
    });

    // The id that is malformed is the consent's, not the subject's (which is valid): the path should say so.
    it('400 names the consentId path parameter, not the (valid) subject id', async () => {
      const reply = await withdraw(subjectId, 'not-a-uuid');
      expectProblem(reply, 400, 'validation-failed', ['consentId']);
    });

    it('403 for another subject’s token and for roles that may not withdraw; the consent stays active', async () => {
      const other = await register();
      const callers: Array<[string, string]> = [
        ['another subject', await subjectToken(other)],
        ['auditor', auditor],
        ['ops', ops],
        ['admin', admin],
      ];
      await expectForbidden(subjectId, callers, (token) => withdraw(subjectId, consentId, token));
      expect((await marketingRead(subjectId)).status).toBe(200);
    });

    it('200 for the subject’s own token: withdrawn, and reads under that purpose refused; withdrawing again changes nothing', async () => {
      const before = await streamVersion(subjectId);
      const own = await subjectToken(subjectId);
      const withdrawn = await withdraw(subjectId, consentId, own);
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body).toMatchObject({ consentId, status: 'withdrawn', version: before + 1, position: expect.any(Number) });
      expect(withdrawn.headers.get('etag')).toBe(`"${before + 1}"`);
      expectProblem(await marketingRead(subjectId), 403, 'no-legal-basis');
      const consents = (await read(subjectId)).body.consents;
      expect(consents.find((c: { consentId: string }) => c.consentId === consentId)).toMatchObject({ status: 'withdrawn', withdrawnAt: expect.any(String) });
      const again = await withdraw(subjectId, consentId, own);
      expect(again.status).toBe(200);
      expect(await streamVersion(subjectId)).toBe(before + 1);
    });
  });

  // ---- POST/DELETE /v1/subjects/{id}/restrictions -----------------------------------------------

  describe('restrictions', () => {
    let subjectId: string;
    const restrict = (id: string, body: unknown, token: string | undefined = staff) => call('POST', `/v1/subjects/${id}/restrictions`, token, body);
    const lift = (id: string, restrictionId: string, token: string | undefined = staff) => call('DELETE', `/v1/subjects/${id}/restrictions/${restrictionId}`, token);
    const reason = '客户对数据准确性有异议';
    beforeAll(async () => {
      subjectId = await register();
    });

    it('400 naming a missing or malformed field; 422 unknown-purpose for a purpose the registry does not know', async () => {
      const cases: Array<[string, unknown, string[]]> = [
        ['no reason', { purposeIds: [HM] }, ['reason']],
        ['empty reason', { purposeIds: [HM], reason: '' }, ['reason']],
        ['purposeIds not a list', { purposeIds: HM, reason }, ['purposeIds']],
        ['empty purposeIds', { purposeIds: [], reason }, ['purposeIds']],
        ['malformed purpose id', { purposeIds: ['Health Management'], reason }, ['purposeIds']],
        ['unknown field', { purposeIds: [HM], reason, until: '2027-01-01' }, ['until']],
      ];
      for (const [why, body, paths] of cases) {
        const reply = await refused(subjectId, () => restrict(subjectId, body));
        expect({ why, status: reply.status, code: reply.body.code }).toEqual({ why, status: 400, code: 'validation-failed' });
        expect({ why, paths: pathsOf(reply) }).toEqual({ why, paths: [...paths].sort() });
      }
      expectProblem(await refused(subjectId, () => restrict(subjectId, { purposeIds: ['ghost'], reason })), 422, 'unknown-purpose');
      expect((await read(subjectId)).body.status).toBe('active');
    });

    it('401 without a valid token, 403 for roles that may not restrict', async () => {
      await expectUnauthenticated(subjectId, (headers) => raw('POST', `/v1/subjects/${subjectId}/restrictions`, { reason }, headers));
      const callers = await everyoneBut('staff and compliance officers', subjectId);
      await expectForbidden(subjectId, callers, (token) => restrict(subjectId, { reason }, token));
      expect((await read(subjectId)).body.status).toBe('active');
    });

    describe('a restricted subject', () => {
      let restrictionId: string;
      beforeAll(async () => {
        const restricted = await restrict(subjectId, { purposeIds: [HM], reason });
        expect(restricted.status).toBe(201);
        expect(restricted.body).toMatchObject({ restrictionId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
        restrictionId = restricted.body.restrictionId;
      });

      it('refuses writes under the restricted purpose with 403 processing-restricted, and writes nothing', async () => {
        expectProblem(await refused(subjectId, () => call('PATCH', `/v1/subjects/${subjectId}/data/contact`, staff, contactChange)), 403, 'processing-restricted');
        const exam = { item: { date: EXAM_DATE, type: '复查' }, purposeId: HM };
        expectProblem(await refused(subjectId, () => call('POST', `/v1/subjects/${subjectId}/data/health_records/exams/items`, staff, exam)), 403, 'processing-restricted');
        const disclosure = { recipient: { name: '某某检验中心', contact: 'lab@example.cn' }, purposeId: HM, categories: ['health'] };
        expectProblem(await refused(subjectId, () => call('POST', `/v1/subjects/${subjectId}/disclosures`, staff, disclosure)), 403, 'processing-restricted');
      });

      it('refuses reads under the purpose with 403 processing-restricted; the subject sees its own record as restricted', async () => {
        expectProblem(await read(subjectId), 403, 'processing-restricted');
        const own = await call('GET', `/v1/subjects/${subjectId}`, await subjectToken(subjectId));
        expect(own.status).toBe(200);
        expect(own.body.status).toBe('restricted');
      });

      it('DELETE: 404 restriction-not-found for an unknown id, 401, 403; the restriction stays', async () => {
        expectProblem(await refused(subjectId, () => lift(subjectId, UNKNOWN_ID)), 404, 'restriction-not-found');
        expectProblem(await refused(subjectId, () => lift(subjectId, 'not-a-uuid')), 400, 'validation-failed', ['restrictionId']);
        await expectUnauthenticated(subjectId, (headers) => raw('DELETE', `/v1/subjects/${subjectId}/restrictions/${restrictionId}`, undefined, headers));
        const callers = await everyoneBut('staff and compliance officers', subjectId);
        await expectForbidden(subjectId, callers, (token) => lift(subjectId, restrictionId, token));
        // this subject's restriction, lifted through another subject's path
        const other = await register();
        expectProblem(await refused(other, () => lift(other, restrictionId)), 404, 'restriction-not-found');
        expectProblem(await read(subjectId), 403, 'processing-restricted');
      });

      it('once lifted, the same id is unknown: 404 restriction-not-found, and processing resumes', async () => {
        const lifted = await lift(subjectId, restrictionId);
        expect(lifted.status).toBe(200);
        const version = await streamVersion(subjectId);
        expectProblem(await lift(subjectId, restrictionId), 404, 'restriction-not-found');
        expect(await streamVersion(subjectId)).toBe(version);
        expect((await read(subjectId)).body.status).toBe('active');
      });
    });

    it('a restriction of all processing (no purposeIds) refuses every purpose', async () => {
      const other = await register();
      const restricted = await restrict(other, { reason: '异议处理中' });
      expect(restricted.status).toBe(201);
      expectProblem(
        await refused(other, () => call('PATCH', `/v1/subjects/${other}/data/employment`, staff, { set: { title: '经理' }, reason: 'update', purposeId: HM })),
        403,
        'processing-restricted',
      );
      expectProblem(await read(other), 403, 'processing-restricted');
    });
  });

  // ---- POST /v1/subjects/{id}/disclosures -------------------------------------------------------

  describe('POST /v1/subjects/{id}/disclosures', () => {
    let subjectId: string;
    const disclosure = { recipient: { name: '某某检验中心', contact: 'lab@example.cn' }, purposeId: HM, categories: ['health'] };
    const disclose = (body: unknown, token: string | undefined = staff) => call('POST', `/v1/subjects/${subjectId}/disclosures`, token, body);
    beforeAll(async () => {
      subjectId = await register();
    });

    it('400 naming a missing, malformed or unknown field', async () => {
      const cases: Array<[string, unknown, string[]]> = [
        ['no recipient', { purposeId: HM, categories: ['health'] }, ['recipient']],
        ['recipient without contact', { ...disclosure, recipient: { name: '某某检验中心' } }, ['recipient.contact']],
        ['recipient with an unknown field', { ...disclosure, recipient: { ...disclosure.recipient, fax: '010-1' } }, ['recipient.fax']],
        ['no purpose', { recipient: disclosure.recipient, categories: ['health'] }, ['purposeId']],
        ['no categories', { ...disclosure, categories: [] }, ['categories']],
        ['unknown category', { ...disclosure, categories: ['pets'] }, ['categories']],
        ['unknown field', { ...disclosure, surprise: 1 }, ['surprise']],
      ];
      for (const [why, body, paths] of cases) {
        const reply = await refused(subjectId, () => disclose(body));
        expect({ why, status: reply.status, code: reply.body.code }).toEqual({ why, status: 400, code: 'validation-failed' });
        expect({ why, paths: pathsOf(reply) }).toEqual({ why, paths: [...paths].sort() });
      }
    });

    it('401 without a valid token, 403 for roles other than staff', async () => {
      await expectUnauthenticated(subjectId, (headers) => raw('POST', `/v1/subjects/${subjectId}/disclosures`, disclosure, headers));
      const callers = await everyoneBut('staff', subjectId);
      await expectForbidden(subjectId, callers, (token) => disclose(disclosure, token), ['staff']);
      expect(await eventCount(subjectId, 'DisclosedToThirdParty')).toBe(0);
    });
  });

  // ---- GET /v1/subjects/{id} -------------------------------------------------------------------

  describe('GET /v1/subjects/{id}', () => {
    let subjectId: string;
    const accessEvents = async () => (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id = $1`, [`access-${subjectId}`])).rows[0].n;
    beforeAll(async () => {
      subjectId = await register();
    });

    it('401 without a valid token', async () => {
      await expectUnauthenticated(subjectId, (headers) => raw('GET', `/v1/subjects/${subjectId}`, undefined, { ...headers, ...PURPOSE }));
    });

    it('403 for roles that may not read PI (ops, admin, auditor), and no PI in the answer; such refusals record no read', async () => {
      const before = await accessEvents();
      for (const [who, token] of [
        ['ops', ops],
        ['admin', admin],
        ['auditor', auditor],
      ]) {
        const reply = await call('GET', `/v1/subjects/${subjectId}`, token, undefined, PURPOSE);
        expect({ who, status: reply.status, code: reply.body.code }).toEqual({ who, status: 403, code: 'forbidden' });
        expect(reply.body.requiredRoles).toEqual(expect.arrayContaining(['staff', 'compliance_officer', 'data_subject']));
        expect(JSON.stringify(reply.body)).not.toMatch(/张伟|13812345678/);
      }
      expect(await accessEvents()).toBe(before);
    });

    it('404 subject-not-found for an unknown subject', async () => {
      expectProblem(await call('GET', `/v1/subjects/${UNKNOWN_ID}`, staff, undefined, PURPOSE), 404, 'subject-not-found');
      expectProblem(await call('GET', `/v1/subjects/${UNKNOWN_ID}`, compliance, undefined, PURPOSE), 404, 'subject-not-found');
    });
  });

  // ---- Idempotency-Key ------------------------------------------------------------------------

  describe('Idempotency-Key', () => {
    let subjectId: string;
    const key = (name: string) => ({ 'idempotency-key': `${name}-${subjectId}` });
    beforeAll(async () => {
      subjectId = await register();
    });

    /** Sends the first request, the replay and another body under the same key. */
    const replays = async (send: (body: unknown, headers: Record<string, string>) => Promise<Reply>, first: unknown, other: unknown, headers: Record<string, string>) => {
      const before = await streamVersion(subjectId);
      const original = await send(first, headers);
      expect(original.status).toBeLessThan(300);
      expect(original.body.version).toBe(before + 1);
      const replay = await send(first, headers);
      expect(replay.status).toBe(original.status);
      expect(replay.body).toEqual(original.body);
      expect(replay.headers.get('etag')).toBe(original.headers.get('etag'));
      expect(await streamVersion(subjectId)).toBe(before + 1);
      const reused = await send(other, headers);
      expectProblem(reused, 422, 'idempotency-key-reused');
      expect(await streamVersion(subjectId)).toBe(before + 1);
      return original;
    };

    it('PATCH: the same key and body replay the first answer; another body under the key is 422 and not applied', async () => {
      const patch = (body: unknown, headers: Record<string, string>) => call('PATCH', `/v1/subjects/${subjectId}/data/employment`, staff, body, headers);
      const first = { set: { title: '高级工程师' }, reason: 'update', purposeId: HM };
      const original = await replays(patch, first, { ...first, set: { title: '总监' } }, key('patch'));
      expect(original.status).toBe(200);
      expect((await read(subjectId)).body.data.employment.title).toBe('高级工程师');
    });

    it('POST consents: one consent for the key, the same consentId replayed', async () => {
      const grant = (body: unknown, headers: Record<string, string>) => call('POST', `/v1/subjects/${subjectId}/consents`, staff, body, headers);
      const first = { purposeId: 'marketing', categories: ['contact'], separate: false, noticeVersion: 'v1', channel: 'app' };
      const original = await replays(grant, first, { ...first, categories: ['contact', 'identity'] }, key('consent'));
      expect(original.status).toBe(201);
      const marketing = (await read(subjectId)).body.consents.filter((c: { purposeId: string }) => c.purposeId === 'marketing');
      expect(marketing).toEqual([expect.objectContaining({ consentId: original.body.consentId, categories: ['contact'] })]);
    });

    it('POST disclosures: one disclosure for the key, the same disclosureId replayed', async () => {
      const disclose = (body: unknown, headers: Record<string, string>) => call('POST', `/v1/subjects/${subjectId}/disclosures`, staff, body, headers);
      const first = { recipient: { name: '某某检验中心', contact: 'lab@example.cn' }, purposeId: HM, categories: ['health'] };
      const original = await replays(disclose, first, { ...first, recipient: { name: '另一家机构', contact: 'other@example.cn' } }, key('disclose'));
      expect(original.status).toBe(201);
      expect(original.body.disclosureId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
      expect(await eventCount(subjectId, 'DisclosedToThirdParty')).toBe(1);
    });

    it('a key used on one endpoint is refused on another (another request) with 422', async () => {
      const used = key('patch');
      const reply = await refused(subjectId, () =>
        call('POST', `/v1/subjects/${subjectId}/consents`, staff, { purposeId: 'marketing', categories: ['identity'], separate: false, noticeVersion: 'v1', channel: 'app' }, used),
      );
      expectProblem(reply, 422, 'idempotency-key-reused');
    });

    it('POST restrictions: one restriction for the key, the same restrictionId replayed', async () => {
      const restrict = (body: unknown, headers: Record<string, string>) => call('POST', `/v1/subjects/${subjectId}/restrictions`, staff, body, headers);
      const first = { purposeIds: ['marketing'], reason: '暂停营销' };
      const original = await replays(restrict, first, { purposeIds: ['marketing'], reason: '另一个理由' }, key('restrict'));
      expect(original.status).toBe(201);
      expect(original.body.restrictionId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
      expect(await eventCount(subjectId, 'ProcessingRestricted')).toBe(1);
    });
  });
});
