import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Body, Controller, DynamicModule, HttpCode, Module, Post } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino, { Logger } from 'pino';
import { AccessControlModule } from '../libs/access-control/src/access-control.module';
import { EventStoreModule } from '../libs/event-store/src/event-store.module';
import { LedgerConfig, loadConfig } from '../libs/platform/src/config/ledger-config';
import { HealthController } from '../libs/platform/src/health/health.controller';
import { AuthRateLimit } from '../libs/platform/src/http/auth-rate-limit';
import { createHttpApp, HttpEdgeOptions } from '../libs/platform/src/http/create-http-app';
import { PlatformModule } from '../libs/platform/src/platform.module';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** What a login route looks like to the edge: public, rate-limited, a username in the body. */
@Controller('probe')
class LoginProbeController {
  @Post('login')
  @HttpCode(200)
  @AuthRateLimit()
  login(@Body() _body: unknown) {
    return { ok: true };
  }

  @Post('other')
  @HttpCode(200)
  other() {
    return { ok: true };
  }
}

@Module({})
class EdgeProbeModule {
  static forRoot(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: EdgeProbeModule,
      imports: [PlatformModule.forRoot(config, logger, { migrateOnStart: false }), EventStoreModule, AccessControlModule],
      controllers: [HealthController, LoginProbeController],
    };
  }
}

describe('the HTTP edge: auth rate limits, CORS, HTTPS and security headers', () => {
  let database: TestDatabase;
  let dir: string;
  let config: LedgerConfig;
  const apps: NestFastifyApplication[] = [];

  async function start(options: HttpEdgeOptions, listenOptions: { https?: boolean } = {}): Promise<string> {
    const app = await createHttpApp(EdgeProbeModule.forRoot(config, pino({ level: 'silent' })), pino({ level: 'silent' }), options);
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return listenOptions.https ? url.replace(/^http:/, 'https:') : url;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'pi-ledger-edge-'));
    config = { ...loadConfig({ LOG_LEVEL: 'silent', LEDGER_DATA_DIR: dir }), databaseUrl: database.url, port: 0 };
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('@AuthRateLimit()', () => {
    const login = (base: string, body: object) => fetch(`${base}/probe/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('answers 429 problem+json with Retry-After past the limit per IP, on that route only', async () => {
      const base = await start({ authRateLimit: { perIp: 3, perUsername: 0, windowSeconds: 60 } });
      for (let i = 0; i < 3; i++) expect((await login(base, { username: `user-${i}` })).status).toBe(200);
      const refused = await login(base, { username: 'someone-else' });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      const body = await refused.json();
      expect(body).toMatchObject({ status: 429, code: 'auth-rate-exceeded', retryAfterSeconds: expect.any(Number) });
      expect(JSON.stringify(body)).not.toContain('someone-else');
      // a route without the decorator is not limited
      for (let i = 0; i < 5; i++) expect((await fetch(`${base}/probe/other`, { method: 'POST' })).status).toBe(200);
    });

    it('limits per username too, compared as accounts are (case, spaces), whatever the IP budget', async () => {
      const base = await start({ authRateLimit: { perIp: 100, perUsername: 2, windowSeconds: 60 } });
      expect((await login(base, { username: 'Alice' })).status).toBe(200);
      expect((await login(base, { username: ' alice ' })).status).toBe(200);
      expect((await login(base, { username: 'ALICE' })).status).toBe(429);
      expect((await login(base, { username: 'bob' })).status).toBe(200);
      expect((await login(base, {})).status).toBe(200); // no username: the IP limit alone
    });

    it('counts per client address behind a trusted proxy (LEDGER_TRUST_PROXY), and ignores X-Forwarded-For from anyone else', async () => {
      const from = (base: string, client: string) =>
        fetch(`${base}/probe/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': client }, body: '{}' });
      const proxied = await start({ authRateLimit: { perIp: 1, perUsername: 0, windowSeconds: 60 }, trustProxy: ['127.0.0.1'] });
      expect((await from(proxied, '203.0.113.1')).status).toBe(200);
      expect((await from(proxied, '203.0.113.2')).status).toBe(200); // another client behind the same proxy
      expect((await from(proxied, '203.0.113.1')).status).toBe(429);
      const direct = await start({ authRateLimit: { perIp: 1, perUsername: 0, windowSeconds: 60 } });
      expect((await from(direct, '203.0.113.1')).status).toBe(200);
      expect((await from(direct, '203.0.113.2')).status).toBe(429); // a forged header buys no second budget
      expect(loadConfig({ LEDGER_TRUST_PROXY: '127.0.0.1,10.0.0.0/8,::1' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
      expect(loadConfig({}).trustProxy).toEqual([]);
      expect(() => loadConfig({ LEDGER_TRUST_PROXY: 'true' })).toThrow(/LEDGER_TRUST_PROXY/);
    });

    it('limits nothing at 0', async () => {
      const base = await start({ authRateLimit: { perIp: 0, perUsername: 0, windowSeconds: 60 } });
      for (let i = 0; i < 5; i++) expect((await login(base, { username: 'carol' })).status).toBe(200);
    });
  });

  describe('CORS', () => {
    const preflight = (base: string, origin: string) =>
      fetch(`${base}/probe/other`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });

    it('is off by default: no Access-Control-* header for any origin', async () => {
      const base = await start({});
      const response = await fetch(`${base}/health/live`, { headers: { origin: 'https://evil.example' } });
      expect(response.status).toBe(200);
      expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
      expect((await preflight(base, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    });

    it('allows exactly the configured origins', async () => {
      const base = await start({ corsOrigins: ['https://console.example.cn'] });
      const allowed = await preflight(base, 'https://console.example.cn');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.cn');
      expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      expect((await preflight(base, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
      const read = await fetch(`${base}/health/live`, { headers: { origin: 'https://console.example.cn' } });
      expect(read.headers.get('access-control-allow-origin')).toBe('https://console.example.cn');
    });
  });

  describe('HTTPS', () => {
    it('serves HTTPS with HSTS when given a certificate and key, and no HSTS over plain HTTP', async () => {
      // a throwaway self-signed certificate, made now and never stored in the repository
      const certFile = join(dir, 'cert.pem');
      const keyFile = join(dir, 'key.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        { stdio: 'ignore' },
      );
      const base = await start({ tls: { certFile, keyFile } }, { https: true });
      const answer = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const request = httpsRequest(`${base}/health/live`, { ca: readFileSync(certFile) }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += String(chunk)));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        });
        request.on('error', reject);
        request.end();
      });
      expect(answer).toMatchObject({ status: 200, body: '{"status":"ok"}' });
      expect(answer.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');

      const plain = await fetch(`${await start({})}/health/live`);
      expect(plain.headers.get('strict-transport-security')).toBeNull();
      expect(plain.headers.get('x-frame-options')).toBe('DENY');
      expect(plain.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    });

    it('refuses a certificate without its key in the configuration', () => {
      expect(() => loadConfig({ LEDGER_TLS_CERT_FILE: '/tmp/cert.pem' })).toThrow(/LEDGER_TLS_CERT_FILE and LEDGER_TLS_KEY_FILE must be set together/);
      expect(loadConfig({ LEDGER_TLS_CERT_FILE: 'c.pem', LEDGER_TLS_KEY_FILE: 'k.pem' }).tls).toEqual({
        certFile: expect.stringMatching(/c\.pem$/),
        keyFile: expect.stringMatching(/k\.pem$/),
      });
      expect(loadConfig({}).corsOrigins).toEqual([]);
      expect(() => loadConfig({ LEDGER_CORS_ORIGINS: '*' })).toThrow(/LEDGER_CORS_ORIGINS/);
    });
  });
});
