import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import pino, { Logger } from 'pino';
import { AuthCommand } from '../apps/ledger-cli/src/auth/auth.command';
import { runCli } from './support/cli-run';
import { AuthTokenCommand } from '../apps/ledger-cli/src/auth/auth-token.command';
import { AccessControlModule } from '../libs/access-control/src/access-control.module';
import { EventStoreModule } from '../libs/event-store/src/event-store.module';
import { TokenService } from '../libs/access-control/src/token.service';
import { LEDGER_CONFIG, LEDGER_LOGGER } from '../libs/platform/src/config/config.tokens';
import { LedgerConfig, loadConfig } from '../libs/platform/src/config/ledger-config';
import { HealthController } from '../libs/platform/src/health/health.controller';
import { createHttpApp } from '../libs/platform/src/http/create-http-app';
import { PlatformModule } from '../libs/platform/src/platform.module';
import { AuthProbeController } from './support/auth-probe.controller';
import { createTestDatabase, TestDatabase } from './support/test-database';

@Module({})
class AuthApiModule {
  static forRoot(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: AuthApiModule,
      imports: [PlatformModule.forRoot(config, logger, { migrateOnStart: false }), EventStoreModule, AccessControlModule],
      controllers: [HealthController, AuthProbeController],
    };
  }
}

/** The CLI's `auth` commands as `ledger` would run them, minus the rest of the CLI. */
@Module({})
class AuthCliModule {
  static forRoot(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: AuthCliModule,
      providers: [{ provide: LEDGER_CONFIG, useValue: config }, { provide: LEDGER_LOGGER, useValue: logger }, TokenService, AuthCommand, AuthTokenCommand],
    };
  }
}

const now = () => Math.floor(Date.now() / 1000);

describe('authentication and roles over HTTP', () => {
  let dataDir: string;
  let config: LedgerConfig;
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let baseUrl: string;
  const logLines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    }),
  );
  // another process on the same data dir, as the CLI is
  let cliTokens: TokenService;
  const issue = (sub: string, roles: string[], subjectId?: string) => cliTokens.sign({ sub, roles, subjectId });
  const get = (path: string, token?: string) => fetch(`${baseUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pi-ledger-auth-'));
    database = await createTestDatabase();
    // no LEDGER_JWT_SECRET: the API generates <dataDir>/jwt.secret
    config = { ...loadConfig({ LOG_LEVEL: 'info', LEDGER_DATA_DIR: dataDir }), databaseUrl: database.url, port: 0 };
    app = await createHttpApp(AuthApiModule.forRoot(config, logger), logger);
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    cliTokens = new TokenService(config, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function expectProblem(response: Response, status: number, code: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: `urn:pi-ledger:problem:${code}`, status, code, title: expect.any(String), detail: expect.any(String) });
    return body;
  }

  it('generated the secret file at start, with a warning', async () => {
    expect((await readFile(join(dataDir, 'jwt.secret'), 'utf8')).trim()).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(logLines.some((line) => /LEDGER_JWT_SECRET is not set/.test(line) && JSON.parse(line).level === 40)).toBe(true);
  });

  it('keeps health public', async () => {
    const response = await get('/health/live');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers 200 with the actor to the right role', async () => {
    const response = await get('/v1/probe/staff', await issue('alice', ['staff']));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ actor: { id: 'alice', roles: ['staff'] } });
  });

  describe('401 with a Bearer challenge', () => {
    it('when the token is missing', async () => {
      const response = await get('/v1/probe/staff');
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="pi-ledger"');
      await expectProblem(response, 401, 'unauthorized');
    });

    it('when the header is malformed', async () => {
      const basic = await fetch(`${baseUrl}/v1/probe/staff`, { headers: { authorization: 'Basic YWxpY2U6aHVudGVyMg==' } });
      expect(basic.headers.get('www-authenticate')).toBe('Bearer realm="pi-ledger"');
      await expectProblem(basic, 401, 'unauthorized');
      const empty = await fetch(`${baseUrl}/v1/probe/staff`, { headers: { authorization: 'Bearer ' } });
      expect(empty.headers.get('www-authenticate')).toMatch(/^Bearer realm="pi-ledger", error="invalid_request"/);
      await expectProblem(empty, 401, 'unauthorized');
      const garbage = await get('/v1/probe/staff', 'not-a-token');
      expect(garbage.headers.get('www-authenticate')).toMatch(/^Bearer realm="pi-ledger", error="invalid_token"/);
      await expectProblem(garbage, 401, 'invalid-token');
    });

    it('when the token has expired', async () => {
      const secret = new TextEncoder().encode((await readFile(join(dataDir, 'jwt.secret'), 'utf8')).trim());
      const expired = await new SignJWT({ roles: ['staff'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setExpirationTime(now() - 60)
        .sign(secret);
      const response = await get('/v1/probe/staff', expired);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="pi-ledger", error="invalid_token", error_description="the token has expired"');
      expect(await expectProblem(response, 401, 'token-expired')).toMatchObject({ detail: 'the token has expired' });
    });

    it('when the signature is bad', async () => {
      const forged = await new SignJWT({ roles: ['staff'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('mallory')
        .setExpirationTime(now() + 60)
        .sign(new TextEncoder().encode('not-the-ledger-secret-but-long-enough-123'));
      const response = await get('/v1/probe/staff', forged);
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token", error_description="the token signature does not verify"/);
      await expectProblem(response, 401, 'invalid-token');
    });
  });

  describe('403 forbidden', () => {
    it('for the wrong role, naming the roles required', async () => {
      const response = await get('/v1/probe/staff', await issue('audrey', ['auditor']));
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(await expectProblem(response, 403, 'forbidden')).toMatchObject({ detail: 'this route requires one of the roles: staff', requiredRoles: ['staff'] });
    });

    it('for a /v1 route that declares no roles, whatever the token', async () => {
      const everyRole = await issue('root', ['staff', 'compliance_officer', 'admin', 'auditor', 'ops']);
      expect(await expectProblem(await get('/v1/probe/unguarded', everyRole), 403, 'forbidden')).toMatchObject({ detail: expect.stringMatching(/declares no roles/) });
      await expectProblem(await get('/v1/probe/unguarded'), 401, 'unauthorized');
    });

    it('for a data subject reaching for another subject', async () => {
      const own = await issue('login-42', ['data_subject'], 'subject-42');
      const response = await get('/v1/probe/subjects/subject-7', own);
      expect(await expectProblem(response, 403, 'forbidden')).toMatchObject({ detail: 'a data subject may act only on its own record' });
    });
  });

  it('lets a data subject reach its own record, and staff any record', async () => {
    const own = await get('/v1/probe/subjects/subject-42', await issue('login-42', ['data_subject'], 'subject-42'));
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ subjectId: 'subject-42', actor: 'login-42' });
    const staff = await get('/v1/probe/subjects/subject-7', await issue('bob', ['staff']));
    expect(staff.status).toBe(200);
  });

  it('leaves unknown /v1 routes a 404, not a 401', async () => {
    await expectProblem(await get('/v1/nothing-here'), 404, 'not-found');
  });

  it('never logs a token', async () => {
    const token = await issue('carol', ['staff']);
    await get('/v1/probe/staff', token);
    await get('/v1/probe/unguarded', token);
    expect(logLines.join('\n')).not.toContain(token.split('.')[2]);
  });

  describe('ledger auth token', () => {
    /** Runs the command through nest-commander's parser, as `ledger auth token …` would. */
    async function ledger(...args: string[]): Promise<{ stdout: string; errors: Error[] }> {
      const { stdout, errors } = await runCli(AuthCliModule.forRoot(config, pino({ level: 'silent' })), ['auth', 'token', ...args]);
      return { stdout, errors };
    }

    it('prints a token alone, which the API accepts', async () => {
      const { stdout, errors } = await ledger('--sub', 'dana', '--role', 'staff', '--role', 'ops', '--ttl', '120');
      expect(errors).toEqual([]);
      expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const response = await get('/v1/probe/staff', stdout.trim());
      expect(await response.json()).toMatchObject({ actor: { id: 'dana', roles: ['staff', 'ops'] } });
      const claims = JSON.parse(Buffer.from(stdout.split('.')[1], 'base64url').toString());
      expect(claims.exp - claims.iat).toBeCloseTo(120, 3);
    });

    it('issues data subject tokens with their subject id', async () => {
      const { stdout } = await ledger('--sub', 'login-9', '--role', 'data_subject', '--subject-id', 'subject-9');
      expect((await get('/v1/probe/subjects/subject-9', stdout.trim())).status).toBe(200);
      expect((await get('/v1/probe/subjects/subject-8', stdout.trim())).status).toBe(403);
    });

    it('refuses a data subject token without --subject-id, printing nothing', async () => {
      const { stdout, errors } = await ledger('--sub', 'login-9', '--role', 'data_subject');
      expect(stdout).toBe('');
      expect(errors.map((error) => error.message)).toEqual(['a data_subject token must carry a subject id']);
    });

    it('rejects unknown roles and bad ttls while parsing', () => {
      const command = new AuthTokenCommand(cliTokens);
      expect(command.parseRole('ops', command.parseRole('staff'))).toEqual(['staff', 'ops']);
      expect(() => command.parseRole('root')).toThrow(
        /unknown role; roles are staff, front_desk, health_manager, customer_service, manager, compliance_officer, admin, auditor, ops, data_subject/,
      );
      expect(command.parseTtl('60')).toBe(60);
      for (const ttl of ['0', '-5', '1.5', 'soon']) expect(() => command.parseTtl(ttl)).toThrow(/whole number of seconds/);
    });

    it('refuses unknown roles when called directly too', async () => {
      const command = new AuthTokenCommand(cliTokens);
      await expect(command.run([], { sub: 'x', role: ['staff', 'root'] })).rejects.toThrow(/unknown role "root"/);
    });
  });
});
