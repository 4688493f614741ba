import { EVENT_STORE } from '../libs/event-store/src/event-store.module';
import { LEDGER_CLOCK } from '../libs/platform/src/clock/ledger-clock';
import { TokenService } from '../libs/access-control/src/token.service';
import { CreateDepartmentCommand, ListDepartmentsCommand } from '../apps/ledger-cli/src/departments/departments.commands';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';

/** Departments over HTTP and the CLI (issue #13, item 1): admin manages them, every staff role lists them, every change is an event with its actor. */
describe('departments', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let admin: string;
  const stream = async () =>
    (await api.database.pool.query(`SELECT type, data, metadata FROM ledger_events WHERE stream_id = 'departments' ORDER BY stream_version`)).rows as Array<{
      type: string;
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
    }>;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    admin = await tokens(api).admin();
  });
  afterAll(async () => api.close());

  it('admin creates, renames, sets the head of and deactivates a department; each change is recorded with the actor', async () => {
    const created = await call('POST', '/v1/departments', admin, { code: 'hm-1', name: ' 健康管理一部 ', managerId: 'mgr-zhou' });
    expect(created.status).toBe(201);
    const id = created.body.departmentId;
    expect(created.body).toMatchObject({ departmentId: id, code: 'hm-1', name: '健康管理一部', managerId: 'mgr-zhou', status: 'active' });

    expect((await call('PATCH', `/v1/departments/${id}`, admin, { name: '健康管理中心', managerId: null })).body).toMatchObject({ name: '健康管理中心', managerId: null });
    expect((await call('POST', `/v1/departments/${id}/deactivate`, admin)).body).toMatchObject({ status: 'inactive' });
    const before = (await stream()).length;
    expect((await call('POST', `/v1/departments/${id}/deactivate`, admin)).status).toBe(200);
    expect((await stream()).length).toBe(before);

    const events = await stream();
    expect(events.map((event) => event.type)).toEqual(['DepartmentCreated', 'DepartmentManagerSet', 'DepartmentRenamed', 'DepartmentManagerSet', 'DepartmentDeactivated']);
    for (const event of events) expect(event.metadata).toMatchObject({ actor: 'admin-li', roles: ['admin'] });

    const renamed = await call('PATCH', `/v1/departments/${id}`, admin, { name: '又一个名字' });
    expect({ status: renamed.status, code: renamed.body.code }).toEqual({ status: 409, code: 'department-inactive' });
  });

  it('every staff role lists and reads departments; only admin changes them; a data subject sees none', async () => {
    const signer = api.app.get(TokenService);
    await call('POST', '/v1/departments', admin, { code: 'cs', name: '客户服务部' });
    for (const role of ['front_desk', 'health_manager', 'customer_service', 'manager', 'compliance_officer', 'auditor', 'ops', 'staff']) {
      const token = await signer.sign({ sub: `${role}-1`, roles: [role] });
      const listed = await call('GET', '/v1/departments', token);
      expect({ role, status: listed.status, codes: listed.body.items.map((d: { code: string }) => d.code) }).toEqual({ role, status: 200, codes: ['cs', 'hm-1'] });
      expect({ role, status: (await call('POST', '/v1/departments', token, { code: `x-${role.length}`, name: 'x' })).status }).toEqual({ role, status: 403 });
    }
    expect((await call('GET', '/v1/departments', await tokens(api).subject('0190a000-0000-7000-8000-000000000001'))).status).toBe(403);
  });

  it('refuses a taken code (409 naming code), bad input (400 naming the field) and an unknown id (404), writing nothing', async () => {
    const before = (await stream()).length;
    const taken = await call('POST', '/v1/departments', admin, { code: 'cs', name: '重复' });
    expect({ status: taken.status, code: taken.body.code, paths: taken.body.errors.map((e: { path: string }) => e.path) }).toEqual({
      status: 409,
      code: 'department-code-taken',
      paths: ['code'],
    });
    const cases: Array<[unknown, string]> = [
      [{ code: 'Has Space', name: 'x' }, 'code'],
      [{ code: 'ok', name: '   ' }, 'name'],
      [{ code: 'ok' }, 'name'],
      [{ code: 'ok', name: 'x', managerId: 'a b' }, 'managerId'],
      [{ code: 'ok', name: 'x', colour: 'red' }, 'colour'],
    ];
    for (const [body, path] of cases) {
      const reply = await call('POST', '/v1/departments', admin, body);
      expect({ body, status: reply.status, paths: [...new Set(reply.body.errors?.map((e: { path: string }) => e.path))] }).toEqual({ body, status: 400, paths: [path] });
    }
    const missing = await call('GET', '/v1/departments/0190a000-0000-7000-8000-0000000000ff', admin);
    expect({ status: missing.status, code: missing.body.code }).toEqual({ status: 404, code: 'department-not-found' });
    expect((await call('PATCH', '/v1/departments/0190a000-0000-7000-8000-0000000000ff', admin, { name: 'x' })).status).toBe(404);
    expect((await call('GET', '/v1/departments/not-a-uuid', admin)).status).toBe(400);
    expect((await stream()).length).toBe(before);
  });

  it('`ledger departments create|list` work on the same stream, recorded under the CLI user or --actor', async () => {
    const output: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (output.push(String(chunk)), true));
    try {
      await new CreateDepartmentCommand(api.app.get(EVENT_STORE), api.app.get(LEDGER_CLOCK)).run([], { code: 'hm-2', name: '健康管理二部', actor: 'admin-cli' });
      const created = JSON.parse(output.pop()!);
      expect(created).toMatchObject({ code: 'hm-2', name: '健康管理二部', status: 'active' });
      expect((await call('GET', `/v1/departments/${created.departmentId}`, admin)).body.code).toBe('hm-2');
      expect((await stream()).at(-1)?.metadata).toMatchObject({ actor: 'admin-cli' });
      await new ListDepartmentsCommand(api.app.get(EVENT_STORE)).run();
      expect(output.map((line) => JSON.parse(line).code)).toEqual(['cs', 'hm-1', 'hm-2']);
    } finally {
      write.mockRestore();
    }
  });
});
