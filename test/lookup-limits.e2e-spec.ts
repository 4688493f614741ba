import { TokenService } from '../libs/access-control/src/token.service';
import { registration } from './support/realistic-subject';
import { startTestApi, TestApi } from './support/test-api';
import { TEST_NOW } from './support/test-clock';
import { jsonRequest, tokens } from './support/test-tokens';

/**
 * Bulk look-up (issue #18, deliverable 7): one account may make only so many personal-data
 * look-ups a minute, and passing the hourly threshold records an alert for the compliance report.
 * The clock is the spec's own, so minutes and hours pass when the spec says.
 */
describe('personal-data look-up limits and bulk-look-up alerts', () => {
  const LIMIT = 5;
  const THRESHOLD = 3;
  let now = Date.parse(TEST_NOW) + 5 * 60_000; // 02:05 UTC: the hour began five minutes ago
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let token: ReturnType<typeof tokens>;
  let subjectId: string;
  const staff = (id: string) => api.app.get(TokenService).sign({ sub: id, roles: ['staff'] });
  const search = (bearer: string) => call('GET', '/v1/subjects?phone=13812345678', bearer, undefined, { 'x-processing-purpose': 'health-management' });
  const alerts = async () => (await call('GET', '/v1/compliance/lookup-alerts', await token.compliance())).body.items as Array<Record<string, unknown>>;

  beforeAll(async () => {
    api = await startTestApi({ lookupLimitPerMinute: LIMIT, lookupAlertPerHour: THRESHOLD }, { clock: () => new Date(now) });
    call = jsonRequest(api);
    token = tokens(api);
    const registered = await call('POST', '/v1/subjects', await token.staff(), registration());
    expect(registered.status).toBe(201);
    subjectId = registered.body.subjectId;
    for (const name of ['张伟明', '张伟华']) {
      expect((await call('POST', '/v1/subjects', await token.staff(), registration({ data: { identity: { name, birthDate: '1985-01-01' } } }))).status).toBe(201);
    }
  });
  afterAll(async () => api.close());

  it('records one alert when an account passes the hourly threshold, and none before', async () => {
    const bearer = await staff('staff-bulk');
    for (let i = 0; i < THRESHOLD; i++) expect((await search(bearer)).status).toBe(200);
    expect(await alerts()).toEqual([]);

    expect((await search(bearer)).status).toBe(200); // the threshold's first look-up past it
    const [alert, ...more] = await alerts();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      actor: 'staff-bulk',
      roles: ['staff'],
      lookups: THRESHOLD + 1,
      threshold: THRESHOLD,
      windowStart: '2026-06-01T02:00:00.000Z',
      windowEnd: '2026-06-01T03:00:00.000Z',
    });
    const { alertId, ...named } = alert;
    expect(alertId).toEqual(expect.any(String));
    expect(JSON.stringify(named)).not.toContain('138'); // the alert names the account, never what it looked up (its random id may hold any digits)

    expect((await search(bearer)).status).toBe(200);
    expect(await alerts()).toHaveLength(1); // one alert per account and hour
  });

  it('counts every record a search shows, not the search alone', async () => {
    const bearer = await staff('staff-names');
    const byName = () => call('GET', `/v1/subjects?name=${encodeURIComponent('张伟')}`, bearer, undefined, { 'x-processing-purpose': 'health-management' });
    expect((await byName()).body.items).toHaveLength(3); // 3 records: at the threshold, not past it
    expect((await alerts()).map((alert) => alert.actor)).not.toContain('staff-names');
    expect((await byName()).status).toBe(200);
    expect((await alerts()).find((alert) => alert.actor === 'staff-names')).toMatchObject({ lookups: 6, threshold: THRESHOLD });
  });

  it('refuses look-ups past the per-minute limit with 429 and Retry-After, for that account only', async () => {
    const bearer = await staff('staff-fast');
    for (let i = 0; i < LIMIT; i++) expect((await search(bearer)).status).toBe(200);
    const refused = await search(bearer);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'lookup-rate-exceeded', limitPerMinute: LIMIT });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // a profile read is a look-up too
    const read = await call('GET', `/v1/subjects/${subjectId}`, bearer, undefined, { 'x-processing-purpose': 'health-management' });
    expect(read.status).toBe(429);

    expect((await search(await staff('staff-other'))).status).toBe(200);

    now += 61_000;
    expect((await search(bearer)).status).toBe(200);
  });

  it('does not count a data subject reading its own record', async () => {
    const own = await token.subject(subjectId);
    for (let i = 0; i < LIMIT + THRESHOLD; i++) expect((await call('GET', `/v1/subjects/${subjectId}`, own)).status).toBe(200);
    expect((await alerts()).map((alert) => alert.actor)).not.toContain(`subject-${subjectId}`);
  });

  it('lists alerts from an instant on, for compliance officers and auditors only', async () => {
    expect((await call('GET', `/v1/compliance/lookup-alerts?from=${encodeURIComponent(new Date(now + 1000).toISOString())}`, await token.auditor())).body.items).toEqual([]);
    expect((await call('GET', '/v1/compliance/lookup-alerts?from=yesterday', await token.auditor())).body).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'query.from' }],
    });
    expect((await call('GET', '/v1/compliance/lookup-alerts', await token.staff())).status).toBe(403);
  });
});
