import { TokenService } from '../libs/access-control/src/token.service';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';

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

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const admin = await tokens(api).admin();
    const signer = api.app.get(TokenService);
    const departments: string[] = [];
    for (const code of ['sqa', 'sqb']) departments.push((await call('POST', '/v1/departments', admin, { code, name: code })).body.departmentId);
    as.author = await signer.sign({ sub: 'hm-author', roles: ['health_manager'], departmentId: departments[0] });
    as.colleague = await signer.sign({ sub: 'cs-colleague', roles: ['customer_service'], departmentId: departments[0] });
    as.manager = await signer.sign({ sub: 'mgr-a', roles: ['manager'], departmentId: departments[0] });
    as.elsewhere = await signer.sign({ sub: 'hm-elsewhere', roles: ['health_manager'], departmentId: departments[1] });
    as.nowhere = await signer.sign({ sub: 'staff-nowhere', roles: ['staff'] });
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
});
