import { TokenService } from '../libs/access-control/src/token.service';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { eraseOnRequest } from './support/erasure-request';

/**
 * Duplicate candidates across the ledger over HTTP (issue #15, item 2): GET /v1/duplicates lists
 * pairs with reasons, score, customer numbers and masked summaries, scoped and access-logged like
 * search; a pair can be dismissed (an audited event) and never comes back; erasure removes pairs.
 */
const HM = 'health-management';

interface Person {
  name: string;
  birthDate: string;
  phone: string;
  email?: string;
  idNumber?: string;
}

interface Pair {
  subjectIds: [string, string];
  reasons: string[];
  score: number;
  subjects: Array<Record<string, unknown> & { subjectId: string; customerNumber: string | null }>;
}

describe('duplicate candidates (GET /v1/duplicates)', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let admin: string, desk: string, officer: string, auditor: string, hmA: string;
  let deptA: string, deptB: string;
  const ids: Record<string, string> = {};
  const people: Record<string, Person> = {
    phone1: { name: '李娜', birthDate: '1990-01-01', phone: '13911110001' },
    phone2: { name: '王芳', birthDate: '1985-02-02', phone: '+86 139 1111 0001' },
    email1: { name: '刘洋', birthDate: '1979-03-03', phone: '13911110003', email: 'Liu.Yang@Example.cn' },
    email2: { name: '杨柳', birthDate: '1978-04-04', phone: '13911110004', email: 'liu.yang@example.cn' },
    name1: { name: '林小红', birthDate: '1992-05-05', phone: '13911110005' },
    name2: { name: '林小红', birthDate: '1992-05-05', phone: '13911110006' },
    variant1: { name: '黃　麗華', birthDate: '1970-06-06', phone: '13911110007' },
    variant2: { name: '黄丽华', birthDate: '1970-06-06', phone: '13911110008' },
    id1: { name: '马超', birthDate: '1966-07-07', phone: '13911110009', idNumber: residentId('1966-07-07', 11) },
    id2: { name: '马 超群', birthDate: '1966-07-07', phone: '13911110010', idNumber: residentId('1966-07-07', 11) },
    alone: { name: '独一人', birthDate: '1999-09-09', phone: '13911110011' },
  };

  const fresh = async () => ({ 'x-ledger-min-position': String(await api.logHead()) });
  const list = async (token: string, query = '', headers: Record<string, string> = { 'x-processing-purpose': HM }) =>
    call('GET', `/v1/duplicates${query}`, token, undefined, { ...headers, ...(await fresh()) });
  const pairs = async (token: string, query = '?limit=100'): Promise<Pair[]> => {
    const reply = await list(token, query);
    expect(reply.status).toBe(200);
    return reply.body.items;
  };
  const key = (a: string, b: string) => [a, b].sort().join('+');
  const found = (items: Pair[]) => new Map(items.map((item) => [key(...item.subjectIds), item]));
  const register = async (person: Person): Promise<string> => {
    const body = registration();
    const data = {
      identity: { name: person.name, gender: 'female', birthDate: person.birthDate },
      contact: { phone: person.phone, ...(person.email ? { email: person.email } : {}) },
      ...(person.idNumber ? { identity_document: { type: 'resident_id', number: person.idNumber } } : {}),
    };
    const registered = await call('POST', '/v1/subjects', desk, { ...body, data });
    expect(registered.status).toBe(201);
    return registered.body.subjectId;
  };
  const assign = async (subjectId: string, departmentId: string) => expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, desk, { departmentId })).status).toBe(200);

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const signer = api.app.get(TokenService);
    [admin, officer, auditor] = await Promise.all([tokens(api).admin(), tokens(api).compliance(), tokens(api).auditor()]);
    desk = await signer.sign({ sub: 'desk-1', roles: ['front_desk'] });
    deptA = (await call('POST', '/v1/departments', admin, { code: 'dup-a', name: '健康管理一部' })).body.departmentId;
    deptB = (await call('POST', '/v1/departments', admin, { code: 'dup-b', name: '健康管理二部' })).body.departmentId;
    hmA = await signer.sign({ sub: 'hm-a', roles: ['health_manager'], departmentId: deptA });
    for (const [name, person] of Object.entries(people)) {
      if (name === 'id2') {
        // one ID number belongs to one active customer: a file from before that rule (an old system's
        // data) is what can still hold it twice; its reservation is dropped to make one
        await api.database.pool.query(`DELETE FROM subject_id_numbers WHERE subject_id = $1`, [ids.id1]);
      }
      ids[name] = await register(person);
    }
    await assign(ids.phone1, deptA);
    await assign(ids.phone2, deptA);
    await assign(ids.variant1, deptA);
    await assign(ids.variant2, deptB);
  });
  afterAll(async () => api.close());

  it('lists a pair for each reason, best first, with customer numbers and masked summaries only', async () => {
    const reply = await list(officer, '?limit=100');
    expect(reply.status).toBe(200);
    const items: Pair[] = reply.body.items;
    const byPair = found(items);
    const expected: Array<[string, string, string[], number]> = [
      ['id1', 'id2', ['id_number'], 95],
      ['name1', 'name2', ['name_birth_date'], 80],
      ['variant1', 'variant2', ['name_variant_birth_date'], 70],
      ['email1', 'email2', ['email'], 60],
      ['phone1', 'phone2', ['phone'], 50],
    ];
    for (const [a, b, reasons, score] of expected) expect(byPair.get(key(ids[a], ids[b]))).toMatchObject({ reasons, score });
    expect(items).toHaveLength(expected.length);
    expect(items.map((item) => item.score)).toEqual([...items.map((item) => item.score)].sort((x, y) => y - x));
    expect(reply.body.nextCursor).toBeNull();
    const idPair = byPair.get(key(ids.id1, ids.id2))!;
    for (const subject of idPair.subjects) {
      expect(subject.customerNumber).toMatch(/^C\d{4}\d+$/);
      expect(subject).toMatchObject({ name: expect.stringMatching(/^马\*+$/), birthYear: 1966, phone: expect.stringContaining('****'), idNumber: expect.stringContaining('***') });
    }
    const text = JSON.stringify(reply.body);
    for (const person of Object.values(people)) {
      for (const value of [person.name, person.phone.replace(/\D/g, '').slice(-11), person.email, person.idNumber, person.birthDate]) if (value) expect(text).not.toContain(value);
    }
  });

  it('records one access per customer shown, via duplicates, with the purpose', async () => {
    await list(officer, '?reason=email');
    for (const subjectId of [ids.email1, ids.email2]) {
      const { rows } = await api.database.pool.query(
        `SELECT data FROM ledger_events WHERE stream_id = $1 AND type = 'PersonalDataAccessed' AND data->>'via' = 'duplicates' ORDER BY position DESC LIMIT 1`,
        [`access-${subjectId}`],
      );
      expect(rows[0]?.data).toMatchObject({ actor: 'co-zhao', purposeId: HM, categories: expect.arrayContaining(['contact']) });
    }
  });

  it('pages by keyset, filters by reason and by customer', async () => {
    const all = await pairs(officer);
    const paged: Pair[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const reply = await list(officer, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      paged.push(...reply.body.items);
      cursor = reply.body.nextCursor;
    }
    expect(paged.map((item) => item.subjectIds)).toEqual(all.map((item) => item.subjectIds));
    expect((await pairs(officer, '?reason=phone')).map((item) => key(...item.subjectIds))).toEqual([key(ids.phone1, ids.phone2)]);
    expect((await pairs(officer, `?subjectId=${ids.name2}`)).map((item) => key(...item.subjectIds))).toEqual([key(ids.name1, ids.name2)]);
    expect(await pairs(officer, `?subjectId=${ids.alone}`)).toEqual([]);
  });

  it('shows a scoped health manager only pairs of which it reaches both customers', async () => {
    expect((await pairs(hmA)).map((item) => key(...item.subjectIds))).toEqual([key(ids.phone1, ids.phone2)]);
  });

  it('finds a pair a change of data makes, and drops it when the data stops matching', async () => {
    const correct = async (subjectId: string, set: Record<string, unknown>) =>
      expect((await call('PATCH', `/v1/subjects/${subjectId}/data/contact`, desk, { set, reason: 'correction', purposeId: HM })).status).toBe(200);
    await correct(ids.alone, { email: 'LIU.yang@example.cn' });
    expect((await pairs(officer, `?subjectId=${ids.alone}`)).map((item) => item.reasons)).toEqual([['email'], ['email']]);
    await correct(ids.alone, { email: 'alone@example.cn' });
    expect(await pairs(officer, `?subjectId=${ids.alone}`)).toEqual([]);
  });

  it('dismisses a pair as two people: an audited event, and the pair never comes back', async () => {
    const path = `/v1/duplicates/${ids.phone2}/${ids.phone1}/dismiss`;
    const outside = await call('POST', `/v1/duplicates/${ids.variant1}/${ids.variant2}/dismiss`, hmA, undefined, await fresh());
    expect({ status: outside.status, code: outside.body.code }).toEqual({ status: 404, code: 'duplicate-pair-not-found' });
    const dismissed = await call('POST', path, desk, undefined, await fresh());
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ subjectIds: [ids.phone1, ids.phone2].sort(), version: 1 });
    const { rows } = await api.database.pool.query(`SELECT type, data, metadata FROM ledger_events WHERE stream_id LIKE 'duplicate-pair-%' AND data->'subjectIds' ? $1`, [
      ids.phone1,
    ]);
    expect(rows).toEqual([{ type: 'DuplicatePairDismissed', data: expect.objectContaining({ dismissedBy: 'desk-1' }), metadata: expect.objectContaining({ actor: 'desk-1' }) }]);
    const again = await call('POST', path, desk, undefined, await fresh());
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'duplicate-pair-dismissed' });
    expect(found(await pairs(officer)).has(key(ids.phone1, ids.phone2))).toBe(false);
    // the data changes and matches again: still dismissed
    expect((await call('PATCH', `/v1/subjects/${ids.phone2}/data/contact`, desk, { set: { phone: '13911110001' }, reason: 'correction', purposeId: HM })).status).toBe(200);
    expect(found(await pairs(officer)).has(key(ids.phone1, ids.phone2))).toBe(false);
    const unknown = await call('POST', `/v1/duplicates/${ids.alone}/${ids.phone1}/dismiss`, desk, undefined, await fresh());
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'duplicate-pair-not-found' });
  });

  it('removes the pairs of an erased customer', async () => {
    expect(found(await pairs(officer)).has(key(ids.name1, ids.name2))).toBe(true);
    await eraseOnRequest(api, ids.name1);
    expect(found(await pairs(officer)).has(key(ids.name1, ids.name2))).toBe(false);
    expect(await pairs(officer, `?subjectId=${ids.name2}`)).toEqual([]);
  });

  it('refuses bad requests with a problem naming the field, and callers without the role', async () => {
    const problem = async (reply: Awaited<ReturnType<typeof call>>, status: number, path?: string) => {
      expect(reply.status).toBe(status);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      if (path) expect(reply.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    };
    await problem(await list(officer, '', {}), 400, 'headers.x-processing-purpose');
    await problem(await list(officer, '?reason=shoe-size'), 400, 'reason');
    await problem(await list(officer, '?limit=0'), 400, 'limit');
    await problem(await list(officer, '?subjectId=not-an-id'), 400, 'subjectId');
    await problem(await list(officer, '?cursor=bm9wZQ'), 400, 'query.cursor');
    await problem(await list(officer, '', { 'x-processing-purpose': 'no-such-purpose' }), 422);
    await problem(await list(auditor), 403);
    await problem(await call('POST', `/v1/duplicates/not-an-id/${ids.id1}/dismiss`, desk), 400, 'a');
    await problem(await call('POST', `/v1/duplicates/${ids.id1}/${ids.id1}/dismiss`, desk), 400, 'params.b');
    await problem(await call('POST', `/v1/duplicates/${ids.id1}/${ids.id2}/dismiss`, auditor), 403);
    // nothing was written by any of them
    expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'DuplicatePairDismissed'`)).rows[0].n).toBe(1);
  });
});
