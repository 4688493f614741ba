import { startTestApi, TestApi } from './support/test-api';
import { tokens } from './support/test-tokens';

describe('foundation over HTTP', () => {
  let api: TestApi;
  beforeAll(async () => (api = await startTestApi()));
  afterAll(async () => api.close());

  it('is live and ready once the database is migrated', async () => {
    expect(await (await api.request('/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await api.request('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', migrations: expect.any(Number) });
  });

  it('answers 503 problem+json on readiness when a migration is missing', async () => {
    const owner = await api.database.ownerClient();
    const { rows } = await owner.query('SELECT name FROM ledger_migrations ORDER BY id DESC LIMIT 1');
    await owner.query('BEGIN');
    await owner.query('DELETE FROM ledger_migrations WHERE name = $1', [rows[0].name]);
    try {
      // the API's own connections see the deletion only once committed, so commit and restore
      await owner.query('COMMIT');
      const response = await api.request('/health/ready');
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toMatchObject({ status: 503, code: 'not-ready', type: 'urn:pi-ledger:problem:not-ready' });
    } finally {
      await owner.query(`INSERT INTO ledger_migrations ("timestamp", name) VALUES ($1, $2)`, [Number(rows[0].name.match(/\d+$/)[0]), rows[0].name]);
    }
    expect((await api.request('/health/ready')).status).toBe(200);
  });

  it('renders unknown routes as RFC 9457 problem+json', async () => {
    const response = await api.request('/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toEqual({
      type: 'urn:pi-ledger:problem:not-found',
      title: 'Not found',
      status: 404,
      detail: 'No route matches this method and path',
      code: 'not-found',
    });
  });

  it('renders malformed JSON as a 400 problem, not a 500', async () => {
    const response = await api.request('/health/live', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('refuses a NUL character in any JSON string with a 400 naming the field', async () => {
    const response = await api.request('/health/live', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: { b: ['ok', 'x\u0000y'] } }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation-failed', errors: [{ path: 'a.b[1]', message: 'contains a NUL character' }] });
  });

  it('serves the OpenAPI document and its viewer', async () => {
    const document = (await (await api.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    const docs = await api.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('exposes Prometheus metrics, including requests by route pattern', async () => {
    await api.request('/health/live');
    const text = await (await api.request('/metrics', { headers: { authorization: `Bearer ${await tokens(api).ops()}` } })).text();
    expect(text).toMatch(/^# HELP pi_ledger_http_request_duration_seconds/m);
    expect(text).toMatch(/pi_ledger_http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} [1-9]/);
    expect(text).toMatch(/^pi_ledger_events_appended_total \d+/m);
  });

  it('tags every response with a request id and logs requests as JSON without query values', async () => {
    const response = await api.request('/v1/subjects?phone=%2B8613812345678&name=%E5%BC%A0');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const line = api.logLines.map((l) => JSON.parse(l)).find((entry) => entry.req?.id === response.headers.get('x-request-id'));
    expect(line).toMatchObject({ level: 30, req: { method: 'GET', url: '/v1/subjects?phone=…&name=…' }, res: { statusCode: 401 } });
    expect(api.logLines.join('\n')).not.toContain('13812345678');
    await api.request('/v1/subjects/110101198005010018');
    expect(api.logLines.join('\n')).not.toContain('110101198005010018');
  });
});
