import { connect } from 'node:net';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';

/**
 * The HTTP edge, black-box: the input guard (lone surrogates, NUL, nesting), response headers,
 * /metrics for ops only, framework errors as problem+json without echoing the request, and a
 * request that never finishes arriving cut off.
 */
const HM = { 'x-processing-purpose': 'health-management' };
const REQUEST_TIMEOUT_SECONDS = 2;

describe('HTTP edge', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let compliance: string;
  let ops: string;
  let subjectId: string;

  beforeAll(async () => {
    api = await startTestApi({ httpRequestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS });
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, compliance, ops] = await Promise.all([t.staff(), t.compliance(), t.ops()]);
    const registered = await call('POST', '/v1/subjects', staff, registration());
    expect(registered.status).toBe(201);
    subjectId = registered.body.subjectId;
  });
  afterAll(async () => api.close());

  const eventCount = async () => (await api.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_events')).rows[0].n;

  /** Sends raw JSON text; returns status, headers, the parsed problem, and how many events were written. */
  async function send(method: string, path: string, text: string | undefined, token = staff, headers: Record<string, string> = {}) {
    const before = await eventCount();
    const response = await api.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(text === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: text,
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, text: body, body: body ? JSON.parse(body) : undefined, written: (await eventCount()) - before };
  }

  describe('input guard', () => {
    const LONE = '\ud800';
    const cases: Array<[string, string, string, () => unknown, string]> = [
      ['a sealed PI field', 'POST', '/v1/subjects', () => registration({ data: { identity: { name: `张${LONE}` } } }), 'data.identity.name'],
      ['an unencrypted field', 'POST', '/v1/subjects', () => registration({ channel: `desk${LONE}` }), 'channel'],
      [
        'an email (validator’s encodeURI threw)',
        'POST',
        '/v1/subjects',
        () => registration({ data: { identity: { name: '王五' }, contact: { email: `a${LONE}@example.cn` } } }),
        'data.contact.email',
      ],
      [
        'an array element',
        'POST',
        '/v1/subjects',
        () => registration({ data: { identity: { name: '王五' }, health: { conditions: ['ok', `\udc00x`] } } }),
        'data.health.conditions[1]',
      ],
      [
        'a consent’s purpose',
        'POST',
        '/v1/subjects',
        () => registration({ consents: [{ purposeId: `health${LONE}`, categories: ['health'], separate: true }] }),
        'consents[0].purposeId',
      ],
      [
        'a disclosure recipient',
        'POST',
        '/v1/subjects/{id}/disclosures',
        () => ({ recipient: { name: `检验所${LONE}`, contact: 'lab@example.cn' }, purposeId: 'health-management', categories: ['health'] }),
        'recipient.name',
      ],
      ['a legal hold’s basis', 'POST', '/v1/legal-holds', () => ({ subjectId: '{id}', categories: ['health'], basis: `条例${LONE}`, until: '2041-01-01' }), 'basis'],
      ['a restriction reason, NUL', 'POST', '/v1/subjects/{id}/restrictions', () => ({ reason: 'a\u0000b' }), 'reason'],
    ];

    it.each(cases)('refuses a lone surrogate or NUL in %s with 400 naming the field, writing nothing', async (_kind, method, template, body, path) => {
      const token = template === '/v1/legal-holds' ? compliance : staff;
      const text = JSON.stringify(body()).replace('{id}', subjectId);
      const reply = await send(method, template.replace('{id}', subjectId), text, token, HM);
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.body).toMatchObject({ code: 'validation-failed', errors: [{ path, message: expect.stringMatching(/lone UTF-16 surrogate|NUL character/) }] });
      // the value itself is never echoed
      expect(reply.text).not.toMatch(/张|desk|检验所|条例|\\ud800|\\udc00|\\u0000/);
      expect(reply.written).toBe(0);
    });

    it('refuses a field name that is not valid Unicode, naming the object that holds it', async () => {
      const text = JSON.stringify(registration()).replace('"identity":{', '"identity":{"\\udfff":"x",');
      const reply = await send('POST', '/v1/subjects', text);
      expect(reply).toMatchObject({
        status: 400,
        body: { code: 'validation-failed', errors: [{ path: 'data.identity', message: expect.stringMatching(/field name/) }] },
        written: 0,
      });
    });

    it('refuses JSON nested 1,500 levels deep (objects or arrays) with 400, not a stack overflow', async () => {
      const objects = `{"purposeId":"health-management","data":${'{"a":'.repeat(1_500)}1${'}'.repeat(1_500)}}`;
      const arrays = `{"purposeId":"health-management","data":{"health":{"conditions":${'['.repeat(1_500)}1${']'.repeat(1_500)}}}}`;
      for (const text of [objects, arrays]) {
        const reply = await send('POST', '/v1/subjects', text);
        expect(reply).toMatchObject({ status: 400, body: { code: 'validation-failed', errors: [{ message: 'is nested deeper than 32 levels' }] }, written: 0 });
      }
      // deep but within the limit is the DTO's business, not the guard's
      const shallow = await send('POST', '/v1/subjects', `{"purposeId":"health-management","data":${'{"a":'.repeat(20)}1${'}'.repeat(20)}}`);
      expect(shallow.status).toBe(400);
      expect(shallow.body.errors.map((e: { message: string }) => e.message)).not.toContain('is nested deeper than 32 levels');
    });

    it('answers 400 naming the field when a string field gets a number, instead of a 500', async () => {
      const reply = await send(
        'POST',
        '/v1/subjects',
        JSON.stringify(registration({ data: { identity: { name: '王五' }, identity_document: { type: 'resident_id', number: 123 } } })),
      );
      expect(reply).toMatchObject({ status: 400, body: { code: 'validation-failed' }, written: 0 });
      expect(reply.body.errors).toContainEqual({ path: 'data.identity_document.number', message: 'number must be a string' });
    });

    it('refuses NUL or a lone surrogate in the query and in path parameters with 400', async () => {
      const byName = await send('GET', '/v1/subjects?name=%00', undefined, staff, HM);
      expect(byName).toMatchObject({ status: 400, body: { code: 'validation-failed', errors: [{ path: 'name', message: 'contains a NUL character' }] } });
      const inPath = await send('GET', `/v1/subjects/${subjectId}%00`, undefined, staff, HM);
      expect(inPath).toMatchObject({ status: 400, body: { code: 'validation-failed', errors: [{ path: 'id', message: 'contains a NUL character' }] } });
    });
  });

  describe('headers', () => {
    it('sends no-store and the helmet headers on /v1 answers, problems and 404s', async () => {
      const answers = [
        await api.request(`/v1/subjects/${subjectId}`, { headers: { authorization: `Bearer ${staff}`, ...HM } }),
        await api.request('/v1/subjects'),
        await api.request('/v1/no-such-route'),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 401, 404]);
      for (const answer of answers) {
        expect(answer.headers.get('cache-control')).toBe('no-store');
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('x-frame-options')).toBe('DENY');
        expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
        expect(answer.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
      }
    });

    it('gives the Swagger UI a CSP that lets its own scripts and styles load', async () => {
      const docs = await api.request('/docs');
      expect(docs.status).toBe(200);
      const csp = docs.headers.get('content-security-policy') ?? '';
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).toMatch(/style-src 'self' 'unsafe-inline'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      // every script it loads is one of its own files: no inline script the CSP would block
      expect(await docs.text()).not.toMatch(/<script>(?!\s*<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);
    });

    it('keeps a caller’s plain request id and replaces one that is not a plain token', async () => {
      expect((await api.request('/health/live', { headers: { 'x-request-id': 'trace-42.a:b' } })).headers.get('x-request-id')).toBe('trace-42.a:b');
      const replaced = (await api.request('/health/live', { headers: { 'x-request-id': 'Zhang Wei 13812345678 é' } })).headers.get('x-request-id');
      expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('/metrics', () => {
    it('is only for the ops role: 401 without a token, 403 for other roles, 200 for ops', async () => {
      const anonymous = await api.request('/metrics');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await api.request('/metrics', { headers: { authorization: `Bearer ${staff}` } })).status).toBe(403);
      expect((await api.request('/metrics', { headers: { authorization: `Bearer ${compliance}` } })).status).toBe(403);
      const scraped = await api.request('/metrics', { headers: { authorization: `Bearer ${ops}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/^# HELP pi_ledger_http_request_duration_seconds/m);
    });
  });

  describe('framework errors', () => {
    const problemOf = async (response: Response) => {
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const text = await response.text();
      return { status: response.status, text, body: JSON.parse(text) as { code: string; detail?: string } };
    };

    it('renders an unknown route as a 404 problem that does not echo the path', async () => {
      const path = '/v1/subjects-by-phone/13812345678/张伟';
      const reply = await problemOf(await api.request(encodeURI(path)));
      expect(reply).toMatchObject({ status: 404, body: { code: 'not-found', detail: 'No route matches this method and path' } });
      expect(reply.text).not.toMatch(/13812345678|subjects-by-phone|%E5/);
    });

    it('renders bad JSON (400), an oversized body (413), an over-long path segment (414), a bad URL (400) and a foreign media type (415) as problems', async () => {
      const post = (body: string, contentType = 'application/json') =>
        api.request('/v1/subjects', { method: 'POST', headers: { authorization: `Bearer ${staff}`, 'content-type': contentType }, body });
      expect(await problemOf(await post('{"name": 13812345678 张伟'))).toMatchObject({ status: 400, body: { code: 'malformed-request', detail: 'The body is not valid JSON' } });
      expect(await problemOf(await post(JSON.stringify({ a: 'x'.repeat(1_100_000) })))).toMatchObject({ status: 413, body: { code: 'payload-too-large' } });
      expect(await problemOf(await post('<a/>', 'application/xml'))).toMatchObject({ status: 415, body: { code: 'unsupported-media-type' } });
      const long = await problemOf(await api.request(`/v1/subjects/13812345678${'0'.repeat(300)}`, { headers: { authorization: `Bearer ${staff}` } }));
      expect(long).toMatchObject({ status: 414, body: { code: 'uri-too-long' } });
      expect(long.text).not.toMatch(/13812345678/);
      const badUrl = await problemOf(await api.request('/v1/subjects/13812345678%E0%A4%A', { headers: { authorization: `Bearer ${staff}` } }));
      expect(badUrl).toMatchObject({ status: 400, body: { code: 'malformed-request' } });
      expect(badUrl.text).not.toMatch(/13812345678/);
    });

    it('answers headers larger than Node allows (431) or that Node cannot parse (400) with a problem', async () => {
      const reply = await rawExchange(`GET /health/live HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(reply).toMatch(/^HTTP\/1\.1 431 /);
      expect(reply).toMatch(/content-type: application\/problem\+json/i);
      expect(reply).toMatch(/"code":"request-header-fields-too-large"/);
      // a NUL in a header never reaches the app: Node's parser refuses the request, and the answer is a problem too
      const nul = await rawExchange(`GET /health/live HTTP/1.1\r\nhost: x\r\nx-processing-purpose: a\u0000b\r\n\r\n`);
      expect(nul).toMatch(/^HTTP\/1\.1 400 /);
      expect(nul).toMatch(/"code":"malformed-request"/);
    });
  });

  describe('timeouts', () => {
    it('cuts off a body that never finishes with a 408 problem within the request timeout', async () => {
      const started = Date.now();
      const reply = await rawExchange(
        `POST /v1/subjects HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${staff}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"purposeId":`,
        20_000,
      );
      const elapsed = Date.now() - started;
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      expect(reply).toMatch(/"code":"request-timeout"/);
      expect(elapsed).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_SECONDS * 1000 - 100);
      expect(elapsed).toBeLessThan(REQUEST_TIMEOUT_SECONDS * 1000 + 3_000);
    });

    it('cuts off headers that never finish the same way', async () => {
      const started = Date.now();
      const reply = await rawExchange('GET /health/live HTTP/1.1\r\nhost: x\r\nx-slow: ', 20_000);
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_SECONDS * 1000 + 3_000);
    });
  });

  /** Writes `request` on a raw socket and returns everything read until the server closes it (or `waitMs` passes). */
  function rawExchange(request: string, waitMs = 10_000): Promise<string> {
    const { hostname, port } = new URL(api.baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let received = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the server kept the connection open ${waitMs} ms; read so far: ${received.slice(0, 200)}`));
      }, waitMs);
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(received);
      });
      socket.write(request);
    });
  }
});
