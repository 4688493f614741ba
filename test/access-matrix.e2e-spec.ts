import { TokenService } from '../libs/access-control/src/token.service';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration, ZHANG } from './support/realistic-subject';

/** The category permission matrix over HTTP: the defaults role × category × read/write, an admin's change taking effect, refusals that write nothing. */
type Reply = Awaited<ReturnType<ReturnType<typeof jsonRequest>>>;

const HM = 'health-management';
const PAST = '2025-06-01';
/** The categories the health-management purpose covers (all but preferences), each with a write that is valid for it. */
const WRITES: Record<string, { method: 'PATCH' | 'POST'; path: string; body: unknown }> = {
  identity: { method: 'PATCH', path: 'identity', body: { set: { ethnicity: '汉族' }, reason: 'update', purposeId: HM } },
  identity_document: { method: 'PATCH', path: 'identity_document', body: { set: { type: 'resident_id' }, reason: 'update', purposeId: HM } },
  contact: { method: 'PATCH', path: 'contact', body: { set: { email: 'zw@example.cn' }, reason: 'update', purposeId: HM } },
  employment: { method: 'PATCH', path: 'employment', body: { set: { title: '高级工程师' }, reason: 'update', purposeId: HM } },
  demographics: { method: 'PATCH', path: 'demographics', body: { set: { education: 'master' }, reason: 'update', purposeId: HM } },
  health: { method: 'PATCH', path: 'health', body: { set: { lifestyle: { sleep: '规律' } }, reason: 'update', purposeId: HM } },
  health_records: { method: 'POST', path: 'health_records/exams/items', body: { item: { date: PAST, type: '年度体检' }, purposeId: HM } },
  consumption: { method: 'POST', path: 'consumption/purchases/items', body: { item: { date: PAST, item: '体检套餐', amount: 1280 }, purposeId: HM } },
  service_interactions: { method: 'POST', path: 'service_interactions/services/items', body: { item: { date: PAST, service: '营养咨询' }, purposeId: HM } },
  customer_profile: { method: 'PATCH', path: 'customer_profile', body: { set: { tier: 'gold' }, reason: 'update', purposeId: HM } },
};
const HM_CATEGORIES = Object.keys(WRITES);

const DEFAULTS: Record<string, { read: string[]; write: string[] }> = {
  front_desk: {
    read: ['identity', 'identity_document', 'contact', 'employment', 'demographics', 'consumption', 'customer_profile'],
    write: ['identity', 'identity_document', 'contact', 'employment', 'demographics', 'consumption', 'customer_profile'],
  },
  health_manager: {
    read: ['identity', 'contact', 'health', 'health_records', 'service_interactions', 'customer_profile'],
    write: ['identity', 'contact', 'health', 'health_records', 'service_interactions', 'customer_profile'],
  },
  customer_service: {
    read: ['identity', 'contact', 'service_interactions', 'customer_profile'],
    write: ['identity', 'contact', 'service_interactions', 'customer_profile'],
  },
};

describe('category permission matrix over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  const as: Record<string, string> = {};
  let subjectId: string;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const signer = api.app.get(TokenService);
    const admin = await signer.sign({ sub: 'admin-1', roles: ['admin'] });
    // health managers and customer service reach their department's customers (assignment scoping): one department for the file
    const department = await call('POST', '/v1/departments', admin, { code: 'matrix', name: '健康管理一部' });
    for (const role of ['front_desk', 'health_manager', 'customer_service', 'manager', 'auditor', 'ops', 'compliance_officer', 'admin', 'staff']) {
      as[role] = await signer.sign({ sub: `${role}-1`, roles: [role], departmentId: department.body.departmentId });
    }
    as.two = await signer.sign({ sub: 'both-1', roles: ['customer_service', 'front_desk'] });
    const data = {
      ...registration().data,
      demographics: { maritalStatus: 'married', education: 'bachelor' },
      health_records: { exams: [{ date: PAST, type: '入职体检' }] },
      consumption: { purchases: [{ date: PAST, item: '会员卡', amount: 3000 }] },
      service_interactions: { services: [{ date: PAST, service: '健康讲座' }] },
      customer_profile: { customerType: 'individual', tier: 'silver' },
    };
    const consents = [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption'], separate: true }];
    const registered = await call('POST', '/v1/subjects', await tokens(api).staff(), registration({ data, consents }));
    expect(registered.status).toBe(201);
    subjectId = registered.body.subjectId;
    expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, as.front_desk, { departmentId: department.body.departmentId })).status).toBe(200);
  });
  afterAll(async () => api.close());

  const streamVersion = async (stream: string): Promise<number> =>
    (await api.database.pool.query(`SELECT coalesce(max(stream_version), 0)::int AS v FROM ledger_events WHERE stream_id = $1`, [stream])).rows[0].v;
  const subjectStreams = async (): Promise<number> =>
    (await api.database.pool.query(`SELECT count(DISTINCT stream_id)::int AS n FROM ledger_events WHERE stream_id LIKE 'subject-%'`)).rows[0].n;
  const read = (token: string) => call('GET', `/v1/subjects/${subjectId}`, token, undefined, { 'x-processing-purpose': HM });
  const write = (token: string, category: string) => call(WRITES[category].method, `/v1/subjects/${subjectId}/data/${WRITES[category].path}`, token, WRITES[category].body);
  const expectNotPermitted = (reply: Reply, category: string) => {
    expect({ status: reply.status, code: reply.body?.code, category: reply.body?.category }).toEqual({ status: 403, code: 'category-not-permitted', category });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  };

  it('GET /v1/access-matrix shows the seeded least-privilege defaults for every role', async () => {
    const reply = await call('GET', '/v1/access-matrix', as.admin);
    expect(reply.status).toBe(200);
    for (const [role, permissions] of Object.entries(DEFAULTS)) expect({ role, ...reply.body.roles[role] }).toEqual({ role, ...permissions });
    for (const role of ['manager', 'auditor', 'ops', 'admin']) expect({ role, ...reply.body.roles[role] }).toEqual({ role, read: [], write: [] });
    expect(reply.body.roles.staff.write).toHaveLength(11);
    expect(reply.body.roles.compliance_officer.write).toHaveLength(11);
    expect(reply.body.roles.data_subject).toBeUndefined();
    expect((await call('GET', '/v1/access-matrix', as.front_desk)).status).toBe(403);
  });

  it('GET /v1/access-matrix/mine shows the caller its own row only (the union over its roles), so the console offers only what the API allows', async () => {
    for (const [role, permissions] of Object.entries(DEFAULTS))
      expect({ role, ...(await call('GET', '/v1/access-matrix/mine', as[role])).body }).toEqual({ role, roles: [role], ...permissions });
    const both = (await call('GET', '/v1/access-matrix/mine', as.two)).body;
    expect(both.read).toEqual(expect.arrayContaining([...DEFAULTS.front_desk.read, ...DEFAULTS.customer_service.read]));
    expect(both.read).toHaveLength(new Set([...DEFAULTS.front_desk.read, ...DEFAULTS.customer_service.read]).size);
    expect((await call('GET', '/v1/access-matrix/mine', as.manager)).body).toEqual({ roles: ['manager'], read: [], write: [] });
    const own = await call('GET', '/v1/access-matrix/mine', await api.app.get(TokenService).sign({ sub: subjectId, roles: ['data_subject'], subjectId }));
    expect(own.status).toBe(403);
  });

  it('reads return exactly the categories each role may read (union over roles); manager, auditor and ops read no file', async () => {
    for (const [role, { read: readable }] of Object.entries(DEFAULTS)) {
      const reply = await read(as[role]);
      expect({ role, status: reply.status }).toEqual({ role, status: 200 });
      expect({ role, categories: Object.keys(reply.body.data).sort() }).toEqual({ role, categories: [...readable].sort() });
    }
    const both = await read(as.two);
    expect(Object.keys(both.body.data).sort()).toEqual([...new Set([...DEFAULTS.front_desk.read, ...DEFAULTS.customer_service.read])].sort());
    for (const role of ['staff', 'compliance_officer'])
      expect({ role, categories: Object.keys((await read(as[role])).body.data).sort() }).toEqual({ role, categories: [...HM_CATEGORIES].sort() });
    for (const role of ['manager', 'auditor', 'ops', 'admin']) expect({ role, status: (await read(as[role])).status }).toEqual({ role, status: 403 });
  });

  it('the access log records only the categories a role was shown', async () => {
    await read(as.customer_service);
    const { rows } = await api.database.pool.query(
      `SELECT data FROM ledger_events WHERE type = 'PersonalDataAccessed' AND metadata->>'actor' = 'customer_service-1' ORDER BY position DESC LIMIT 1`,
    );
    expect([...rows[0].data.categories].sort()).toEqual(['contact', 'customer_profile', 'identity', 'service_interactions']);
  });

  it('writes to each category succeed exactly where the role may write; a refused one is 403 naming the category and writes nothing', async () => {
    for (const [role, { write: writable }] of Object.entries(DEFAULTS)) {
      for (const category of HM_CATEGORIES) {
        const before = await streamVersion(`subject-${subjectId}`);
        const reply = await write(as[role], category);
        if (writable.includes(category)) {
          expect({ role, category, status: reply.status }).toEqual({ role, category, status: WRITES[category].method === 'POST' ? 201 : 200 });
        } else {
          expectNotPermitted(reply, category);
          expect({ role, category, version: await streamVersion(`subject-${subjectId}`) }).toEqual({ role, category, version: before });
        }
      }
    }
    for (const role of ['manager', 'compliance_officer', 'auditor']) expect({ role, status: (await write(as[role], 'contact')).status }).toEqual({ role, status: 403 });
  });

  it('registration with a category the role may not write is refused naming it, and no subject is created', async () => {
    const before = await subjectStreams();
    const withHealth = registration({ data: { ...registration().data, identity_document: undefined }, consents: [{ purposeId: HM, categories: ['health'], separate: true }] });
    expectNotPermitted(await call('POST', '/v1/subjects', as.front_desk, withHealth), 'health');
    expect(await subjectStreams()).toBe(before);
    const own = registration({ data: { identity: { name: '李娜', gender: 'female' }, contact: { phone: '13900001111' } }, consents: [] });
    expect((await call('POST', '/v1/subjects', as.customer_service, own)).status).toBe(201);
  });

  it('an admin’s change to the matrix takes effect on reads, search and writes at once, recorded with the actor', async () => {
    const before = await streamVersion('access-matrix');
    const changed = await call('PUT', '/v1/access-matrix/customer_service', as.admin, { read: ['service_interactions', 'contact'], write: ['service_interactions'] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ role: 'customer_service', read: ['contact', 'service_interactions'], write: ['service_interactions'] });
    expect(await streamVersion('access-matrix')).toBe(before + 1);
    const { rows } = await api.database.pool.query(`SELECT type, data, metadata FROM ledger_events WHERE stream_id = 'access-matrix' ORDER BY stream_version DESC LIMIT 1`);
    expect(rows[0]).toMatchObject({ type: 'RolePermissionsSet', data: { role: 'customer_service' }, metadata: { actor: 'admin-1', roles: ['admin'] } });

    expect(Object.keys((await read(as.customer_service)).body.data).sort()).toEqual(['contact', 'service_interactions']);
    const found = await call('GET', `/v1/subjects?phone=${encodeURIComponent(ZHANG.phone)}`, as.customer_service, undefined, { 'x-processing-purpose': HM });
    expect(found.status).toBe(200);
    const summary = found.body.items.find((item: { subjectId: string }) => item.subjectId === subjectId);
    expect(summary.phone).toBeDefined();
    expect(summary.name).toBeUndefined();
    const byName = await call('GET', `/v1/subjects?name=${encodeURIComponent(ZHANG.name)}`, as.customer_service, undefined, { 'x-processing-purpose': HM });
    expect(byName.body.items.map((item: { subjectId: string }) => item.subjectId)).not.toContain(subjectId);
    expectNotPermitted(await write(as.customer_service, 'contact'), 'contact');
    expect((await write(as.customer_service, 'service_interactions')).status).toBe(201);

    // the same row again changes nothing; the defaults back
    const again = await streamVersion('access-matrix');
    expect((await call('PUT', '/v1/access-matrix/customer_service', as.admin, { read: ['contact', 'service_interactions'], write: ['service_interactions'] })).status).toBe(200);
    expect(await streamVersion('access-matrix')).toBe(again);
    expect((await call('PUT', '/v1/access-matrix/customer_service', as.admin, DEFAULTS.customer_service)).status).toBe(200);
    expect(Object.keys((await read(as.customer_service)).body.data).sort()).toEqual([...DEFAULTS.customer_service.read].sort());
  });

  it('a bad change is a 4xx problem naming the field and moves nothing; only admin may change the matrix', async () => {
    const before = await streamVersion('access-matrix');
    const cases: Array<[string, string, unknown, number, string]> = [
      ['unknown role', 'nobody', { read: [], write: [] }, 400, 'role'],
      ['data subject', 'data_subject', { read: [], write: [] }, 400, 'role'],
      ['unknown category', 'manager', { read: ['pets'], write: [] }, 400, 'read'],
      ['no write list', 'manager', { read: [] }, 400, 'write'],
      ['repeated category', 'manager', { read: [], write: ['contact', 'contact'] }, 400, 'write'],
    ];
    for (const [why, role, body, status, path] of cases) {
      const reply = await call('PUT', `/v1/access-matrix/${role}`, as.admin, body);
      expect({ why, status: reply.status, code: reply.body?.code, paths: [...new Set((reply.body?.errors ?? []).map((e: { path: string }) => e.path))] }).toEqual({
        why,
        status,
        code: 'validation-failed',
        paths: [path],
      });
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    for (const role of ['staff', 'compliance_officer', 'manager', 'front_desk']) {
      expect({ role, status: (await call('PUT', '/v1/access-matrix/manager', as[role], { read: ['identity'], write: [] })).status }).toEqual({ role, status: 403 });
    }
    expect(await streamVersion('access-matrix')).toBe(before);
  });
});
