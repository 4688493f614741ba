import { ServiceRecordsService } from '../apps/ledger-api/src/service-records/service-records.service';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate } from './support/test-clock';
import { tokens } from './support/test-tokens';
import { customerRecordsHarness } from './support/customer-records';
import { eraseOnRequest } from './support/erasure-request';

/** Service records (服务记录) over HTTP: recorded and listed under the file's rules, shredded by erasure, exported. */
const HM = 'health-management';
const service = (overrides: Record<string, unknown> = {}) => ({
  serviceDate: chinaDate(-1),
  serviceType: 'nutrition_guidance',
  content: '针对糖尿病前期的低GI饮食指导',
  outcome: '客户同意每周记录饮食日志',
  purposeId: HM,
  ...overrides,
});

type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;

describe('service records over HTTP', () => {
  let api: TestApi;
  let call: Harness['call'];
  let as: Harness['as'];
  let register: Harness['register'];
  let read: Harness['read'];
  let subjectId: string;

  const serviceEvents = async () => (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'ServiceRecorded'`)).rows[0].n as number;

  beforeAll(async () => {
    api = await startTestApi();
    ({ call, as, register, read } = await customerRecordsHarness(api));
    subjectId = await register();
  });
  afterAll(() => api.close());

  it('records services by the caller or a named staff member and lists them newest first, by type too', async () => {
    const first = await call(
      'POST',
      `/v1/subjects/${subjectId}/service-records`,
      as.health_manager,
      service({ serviceDate: chinaDate(-20), serviceType: 'consultation', outcome: undefined }),
    );
    expect(first.status).toBe(201);
    expect(first.body.record).toMatchObject({ staffId: 'health_manager-1', recordedBy: 'health_manager-1', details: { content: '针对糖尿病前期的低GI饮食指导' } });
    const second = await call('POST', `/v1/subjects/${subjectId}/service-records`, as.customer_service, service({ serviceType: 'follow_up_call', staffId: 'hm-zhou' }));
    expect(second.status).toBe(201);
    const listed = await read(`/v1/subjects/${subjectId}/service-records`, as.health_manager);
    expect(listed.body.items.map((item: { recordId: string }) => item.recordId)).toEqual([second.body.recordId, first.body.recordId]);
    expect(listed.body.items[0]).toMatchObject({
      serviceType: 'follow_up_call',
      staffId: 'hm-zhou',
      recordedBy: 'customer_service-1',
      details: { outcome: '客户同意每周记录饮食日志' },
    });
    const calls = await read(`/v1/subjects/${subjectId}/service-records?serviceType=follow_up_call`, as.customer_service);
    expect(calls.body.items).toHaveLength(1);
    // the access log is a projection: read it once it includes both reads
    const log = await read(`/v1/audit/access?subjectId=${subjectId}`, await tokens(api).compliance(), undefined);
    const reads = log.body.items.filter((item: { via: string }) => item.via === 'service-records');
    expect(reads.map((item: { categories: string[] }) => item.categories)).toEqual([['service_interactions'], ['service_interactions']]);
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const before = await serviceEvents();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ serviceType: 'massage' }, 'serviceType'],
      [{ serviceDate: chinaDate(1) }, 'serviceDate'],
      [{ serviceDate: '2026-02-30' }, 'serviceDate'],
      [{ content: '' }, 'content'],
      [{ staffId: 'a b' }, 'staffId'],
      [{ purposeId: undefined }, 'purposeId'],
    ];
    for (const [overrides, path] of cases) {
      const refused = await call('POST', `/v1/subjects/${subjectId}/service-records`, as.health_manager, JSON.parse(JSON.stringify(service(overrides))));
      expect({ path, status: refused.status }).toEqual({ path, status: 400 });
      expect(refused.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    }
    expect((await read(`/v1/subjects/${subjectId}/service-records?serviceType=massage`, as.health_manager)).status).toBe(400);
    expect(await serviceEvents()).toBe(before);
  });

  it('refuses a role without service_interactions and a purpose that does not cover them', async () => {
    const before = await serviceEvents();
    expect((await call('POST', `/v1/subjects/${subjectId}/service-records`, as.front_desk, service())).body).toMatchObject({
      code: 'category-not-permitted',
      category: 'service_interactions',
    });
    expect((await read(`/v1/subjects/${subjectId}/service-records`, as.front_desk)).body.code).toBe('category-not-permitted');
    expect((await call('POST', `/v1/subjects/${subjectId}/service-records`, as.health_manager, service({ purposeId: 'research' }))).body.code).toBe('category-not-in-purpose');
    expect((await read(`/v1/subjects/${subjectId}/service-records`, as.health_manager, 'research')).body.code).toBe('no-legal-basis');
    expect((await read(`/v1/subjects/${subjectId}/service-records`, as.health_manager, '')).body.code).toBe('purpose-required');
    expect(await serviceEvents()).toBe(before);
  });

  it('exports the services, and erasure purges them and shreds their details while another customer’s stay', async () => {
    const own = await tokens(api).subject(subjectId);
    const filed = await call('POST', '/v1/rights-requests', own, { subjectId, type: 'access', channel: 'app', requester: { kind: 'subject' } });
    await call('POST', `/v1/rights-requests/${filed.body.requestId}/fulfil`, await tokens(api).compliance());
    const exported = await call('GET', `/v1/rights-requests/${filed.body.requestId}/export`, own);
    expect(exported.body.records.serviceRecords).toHaveLength(2);
    expect(exported.body.records.serviceRecords[0].details.content).toBe('针对糖尿病前期的低GI饮食指导');

    const other = await register();
    await call('POST', `/v1/subjects/${other}/service-records`, as.health_manager, service());
    await eraseOnRequest(api, subjectId);
    const { rows: left } = await api.database.pool.query(`SELECT count(*)::int AS n FROM service_records WHERE subject_id = $1`, [subjectId]);
    expect(left[0].n).toBe(0);
    const codec = api.app.get(ServiceRecordsService).codec;
    const { rows } = await api.database.pool.query(`SELECT type, data FROM ledger_events WHERE type = 'ServiceRecorded'`);
    const opened = await Promise.all(rows.map((row) => codec.open({ type: row.type, data: row.data })));
    const details = (id: string) => opened.filter((event) => event.data.subjectId === id).map((event) => event.data.details);
    expect(details(subjectId)).toEqual(['[erased]', '[erased]']);
    expect(details(other)).toEqual([expect.objectContaining({ content: '针对糖尿病前期的低GI饮食指导' })]);
  });
});
