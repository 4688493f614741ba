import { TokenService } from '../libs/access-control/src/token.service';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { bornYearsAgo } from './support/test-clock';

/** Combined queries saved and shared within a department (issue #16), over HTTP. */
describe('saved queries over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  const as: Record<string, string> = {};
  const definition = {
    where: {
      and: [
        { field: 'conditions', op: 'eq', value: '高血压' },
        { field: 'age', op: 'range', value: { from: 60 } },
      ],
    },
    sort: [{ field: 'lastCheckupDate', dir: 'asc' }],
    columns: ['age', 'lastCheckupDate'],
  };
  const events = async (type: string) => (await api.database.pool.query(`SELECT data, metadata FROM ledger_events WHERE type = $1 ORDER BY position`, [type])).rows;
  const fresh = async () => ({ 'x-ledger-min-position': String(await api.logHead()) });
  const departments: string[] = [];
  /** The customers of the run: age, condition and department (0: the author's, 1: another). */
  const customers: Array<{ id: string; age: number; condition: string; department: number }> = [];

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const admin = await tokens(api).admin();
    const signer = api.app.get(TokenService);
    for (const code of ['sqa', 'sqb']) departments.push((await call('POST', '/v1/departments', admin, { code, name: code })).body.departmentId);
    as.author = await signer.sign({ sub: 'hm-author', roles: ['health_manager'], departmentId: departments[0] });
    as.colleague = await signer.sign({ sub: 'cs-colleague', roles: ['customer_service'], departmentId: departments[0] });
    as.manager = await signer.sign({ sub: 'mgr-a', roles: ['manager'], departmentId: departments[0] });
    as.elsewhere = await signer.sign({ sub: 'hm-elsewhere', roles: ['health_manager'], departmentId: departments[1] });
    as.nowhere = await signer.sign({ sub: 'staff-nowhere', roles: ['staff'] });
    as.staffA = await signer.sign({ sub: 'staff-a', roles: ['staff'], departmentId: departments[0] });
    const plans: Array<[number, string, number]> = [
      [65, '高血压', 0],
      [71, '高血压', 0],
      [80, '高血压', 0],
      [40, '高血压', 0],
      [66, '糖尿病', 0],
      [70, '高血压', 1],
    ];
    for (const [index, [age, condition, department]] of plans.entries()) {
      const body = registration();
      const data = body.data as Record<string, Record<string, unknown>>;
      const registered = await call('POST', '/v1/subjects', as.staffA, {
        ...body,
        data: {
          ...data,
          identity: { ...data.identity, birthDate: bornYearsAgo(age, 30) },
          identity_document: { type: 'resident_id', number: residentId(bornYearsAgo(age, 30), 900 + index) },
          health: { ...data.health, conditions: [condition] },
        },
      });
      if (registered.status !== 201) throw new Error(`registration: ${registered.status} ${JSON.stringify(registered.body)}`);
      const id = registered.body.subjectId as string;
      const assigned = await call('PUT', `/v1/subjects/${id}/assignment`, as.staffA, { departmentId: departments[department] });
      if (assigned.status !== 200) throw new Error(`assignment: ${assigned.status} ${JSON.stringify(assigned.body)}`);
      customers.push({ id, age, condition, department });
    }
  });
  afterAll(() => api.close());

  it('saves a query for the department, shares it there only, and records who saved it', async () => {
    const saved = await call('POST', '/v1/saved-queries', as.author, { name: '60岁以上高血压', ...definition });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ queryId: expect.any(String), version: 1, position: expect.any(Number) });
    const listed = await call('GET', '/v1/saved-queries', as.colleague, undefined, await fresh());
    expect(listed.body.items).toEqual([
      { queryId: saved.body.queryId, name: '60岁以上高血压', departmentId: expect.any(String), definition, createdBy: 'hm-author', createdAt: expect.any(String) },
    ]);
    expect((await call('GET', `/v1/saved-queries/${saved.body.queryId}`, as.colleague)).body.definition).toEqual(definition);
    expect((await call('GET', '/v1/saved-queries', as.elsewhere)).body.items).toEqual([]);
    expect((await call('GET', `/v1/saved-queries/${saved.body.queryId}`, as.elsewhere)).body).toMatchObject({ status: 404, code: 'saved-query-not-found' });
    const [created] = await events('SavedQueryCreated');
    expect(created.metadata).toMatchObject({ actor: 'hm-author' });
    expect(Object.keys(created.data).sort()).toEqual(['createdAt', 'createdBy', 'definition', 'departmentId', 'name', 'queryId']);
    const audit = await call('GET', `/v1/audit/events?type=SavedQueryCreated`, await tokens(api).auditor(), undefined, await fresh());
    expect(audit.body.items).toEqual([expect.objectContaining({ type: 'SavedQueryCreated', actor: 'hm-author' })]);
  });

  it('checks the definition as the query does (400 naming the path) and writes nothing', async () => {
    const before = (await events('SavedQueryCreated')).length;
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', where: { field: 'shoeSize', op: 'eq', value: 42 } }, 'where.field'],
      [{ name: 'x', sort: [{ field: 'conditions', dir: 'asc' }] }, 'sort[0].field'],
      [{ name: 'x', columns: ['tags'] }, 'columns[0]'],
      [{ name: '', where: { field: 'tier', op: 'eq', value: 'gold' } }, 'name'],
    ];
    for (const [body, path] of bad) {
      const refused = await call('POST', '/v1/saved-queries', as.author, body);
      expect([refused.status, refused.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, [path]]);
    }
    expect((await call('POST', '/v1/saved-queries', as.nowhere, { name: 'x' })).body).toMatchObject({ status: 422, code: 'department-required' });
    expect((await call('POST', '/v1/saved-queries', await tokens(api).auditor(), { name: 'x' })).status).toBe(403);
    expect(await events('SavedQueryCreated')).toHaveLength(before);
  });

  it('is deleted by its author or the department’s manager only, once', async () => {
    const first = (await call('POST', '/v1/saved-queries', as.author, { name: '金卡客户', where: { field: 'tier', op: 'eq', value: 'gold' } })).body.queryId;
    const second = (await call('POST', '/v1/saved-queries', as.author, { name: '银卡客户', where: { field: 'tier', op: 'eq', value: 'silver' } })).body.queryId;
    expect((await call('DELETE', `/v1/saved-queries/${first}`, as.colleague)).body).toMatchObject({ status: 403, code: 'not-saved-query-owner' });
    expect((await call('DELETE', `/v1/saved-queries/${first}`, as.elsewhere)).body).toMatchObject({ status: 404, code: 'saved-query-not-found' });
    expect((await call('DELETE', `/v1/saved-queries/${first}`, as.author)).status).toBe(200);
    expect((await call('DELETE', `/v1/saved-queries/${second}`, as.manager)).status).toBe(200);
    expect((await call('DELETE', `/v1/saved-queries/${first}`, as.author)).body).toMatchObject({ status: 404, code: 'saved-query-not-found' });
    const names = (await call('GET', '/v1/saved-queries', as.colleague, undefined, await fresh())).body.items.map((item: { name: string }) => item.name);
    expect(names).toEqual(['60岁以上高血压']);
    expect((await events('SavedQueryDeleted')).map((row) => row.data.deletedBy)).toEqual(['hm-author', 'mgr-a']);
  });

  it('runs a saved query under the caller’s own purpose and reach, page by page, recording each customer returned and no other', async () => {
    const queryId = (await call('POST', '/v1/saved-queries', as.author, { name: '高血压老人', ...definition })).body.queryId as string;
    const run = async (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      call('POST', `/v1/saved-queries/${queryId}/run`, token, body, { ...(await fresh()), ...headers });
    const accessed = async (after: number) =>
      (await api.database.pool.query(`SELECT data FROM ledger_events WHERE type = 'PersonalDataAccessed' AND position > $1 ORDER BY position`, [after])).rows.map(
        (row) => row.data as { subjectId: string; actor?: string; purposeId: string; via: string },
      );
    // the health manager reaches its department: the one of another department is not found, however well it matches
    const expected = customers.filter((c) => c.condition === '高血压' && c.age >= 60 && c.department === 0).map((c) => c.id);
    expect(expected).toHaveLength(3);
    const head = await api.logHead();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const response = await run(as.author, { purposeId: 'health-management', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ queryId, name: '高血压老人' });
      for (const item of response.body.items as Array<{ subjectId: string; phone: string; facts: Record<string, unknown> }>) {
        seen.push(item.subjectId);
        expect(Object.keys(item.facts).sort()).toEqual(['age', 'lastCheckupDate']);
        expect(item.phone).toMatch(/^\+86138\*{4}5678$/);
      }
      cursor = response.body.nextCursor ?? undefined;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual([...expected].sort());
    const records = await accessed(head);
    expect(records.map((record) => record.subjectId).sort()).toEqual([...expected].sort());
    for (const record of records) expect(record).toMatchObject({ purposeId: 'health-management', via: 'query' });

    // the purpose from the header too; a purpose that does not cover health refuses the saved condition, naming it
    expect((await run(as.author, {}, { 'x-processing-purpose': 'health-management' })).body.items).toHaveLength(3);
    const before = await api.logHead();
    const marketing = await run(as.author, { purposeId: 'marketing' });
    expect(marketing.body).toMatchObject({ status: 403, code: 'category-not-permitted', errors: [{ path: 'where.and[0].field' }] });
    // a colleague whose role may not read health data cannot run it (the author's roles are not lent), nor can another department or a manager
    const colleague = await run(as.colleague, { purposeId: 'health-management' });
    expect(colleague.body).toMatchObject({ status: 403, code: 'category-not-permitted', category: 'health' });
    expect((await run(as.elsewhere, { purposeId: 'health-management' })).body).toMatchObject({ status: 404, code: 'saved-query-not-found' });
    expect((await run(as.manager, { purposeId: 'health-management' })).status).toBe(403);
    // bad input: 400 naming the field
    const bad = await run(as.author, { purposeId: 'health-management', limit: 1000 });
    expect([bad.status, bad.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, ['limit']]);
    expect(await accessed(before)).toEqual([]);
  });
});
