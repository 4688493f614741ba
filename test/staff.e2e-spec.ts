import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LedgerCliModule } from '../apps/ledger-cli/src/ledger-cli.module';
import { loadConfig } from '../libs/platform/src/config/ledger-config';
import { jsonRequest, tokens } from './support/test-tokens';
import { runCli } from './support/cli-run';
import { startTestApi, TestApi } from './support/test-api';
import { waitUntil } from './support/wait-until';

const PASSWORD = 'a long and private passphrase 42';
type Call = ReturnType<typeof jsonRequest>;

describe('staff accounts over HTTP (admin)', () => {
  let api: TestApi;
  let call: Call;
  let admin: string;
  let front1: string;
  let care2: string;

  // the CLI shares the API's database and master key, as on one machine
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    api = await startTestApi({ masterKey, authRateLimit: { perIp: 0, perUsername: 0, windowSeconds: 60 } });
    call = jsonRequest(api);
    admin = await tokens(api).admin();
    [front1, care2] = await Promise.all(
      [
        ['front-1', '前台'],
        ['care-2', '客服二部'],
      ].map(async ([code, name]) => (await call('POST', '/v1/departments', admin, { code, name })).body.departmentId as string),
    );
  });
  afterAll(() => api.close());

  const create = (username: string, extra: Record<string, unknown> = {}) => call('POST', '/v1/staff', admin, { username, displayName: '王小明', roles: ['front_desk'], ...extra });

  /** Signs in with the one-time password and chooses PASSWORD; the tokens when no further step is owed. */
  async function firstSignIn(username: string, oneTimePassword: string) {
    const first = await call('POST', '/v1/auth/login', undefined, { username, password: oneTimePassword });
    return call('POST', '/v1/auth/password', undefined, { passwordToken: first.body.passwordToken, newPassword: PASSWORD });
  }

  it('keeps no one-time password in an idempotency record: creation and reset ignore Idempotency-Key', async () => {
    const key = { 'idempotency-key': 'create-zhao-1' };
    const created = await call('POST', '/v1/staff', admin, { username: 'zhao.idem', displayName: '赵', roles: ['front_desk'] }, key);
    expect(created.status).toBe(201);
    const reset = await call('POST', `/v1/staff/${created.body.staffId}/password-reset`, admin, undefined, { 'idempotency-key': 'reset-zhao-1' });
    expect(reset.status).toBe(200);
    const { rows } = await api.database.pool.query(`SELECT body::text AS body FROM idempotency_keys`);
    for (const secret of [created.body.oneTimePassword, reset.body.oneTimePassword]) expect(rows.map((row) => row.body).join('\n')).not.toContain(secret);
    expect(await call('POST', '/v1/staff', admin, { username: 'zhao.idem', displayName: '赵', roles: ['front_desk'] }, key)).toMatchObject({
      status: 409,
      body: { code: 'username-taken' },
    });
  });

  it('creates an account: 201 with Location, ETag and a one-time password shown once; the view never shows it', async () => {
    const created = await create('wang.xm', { departmentId: front1 });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/staff/${created.body.staffId}`);
    expect(created.headers.get('etag')).toBe('"2"');
    expect(created.body.oneTimePassword).toMatch(/^[A-Za-z2-9]{20}$/);
    const view = await call('GET', `/v1/staff/${created.body.staffId}`, admin);
    expect(view.body).toEqual({
      staffId: created.body.staffId,
      username: 'wang.xm',
      displayName: '王小明',
      roles: ['front_desk'],
      departmentId: front1,
      status: 'active',
      passwordChangeRequired: true,
      mfa: 'none',
      mfaRequired: false,
      lockedUntil: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: 2,
    });
    expect(JSON.stringify((await call('GET', '/v1/staff', admin)).body.items)).not.toContain(created.body.oneTimePassword);
  });

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const before = await api.logHead();
    for (const [body, path] of [
      [{ username: 'Bad Name', displayName: 'x', roles: ['front_desk'] }, 'username'],
      [{ username: 'ok.name', displayName: 'x', roles: ['data_subject'] }, 'roles'],
      [{ username: 'ok.name', displayName: 'x', roles: [] }, 'roles'],
      [{ username: 'ok.name', displayName: ' ', roles: ['ops'] }, 'displayName'],
      [{ username: 'ok.name', displayName: 'x', roles: ['ops'], departmentId: 'a/b' }, 'departmentId'],
      [{ username: 'ok.name', displayName: 'x', roles: ['ops'], password: 'x' }, 'password'],
    ] as const) {
      const refused = await call('POST', '/v1/staff', admin, body);
      expect({ status: refused.status, code: refused.body.code, paths: refused.body.errors.map((e: { path: string }) => e.path) }).toEqual({
        status: 400,
        code: 'validation-failed',
        paths: [path],
      });
    }
    expect(await api.logHead()).toBe(before);
  });

  it('a username belongs to one account: 409 username-taken', async () => {
    await create('dup.user');
    expect(await create('dup.user')).toMatchObject({ status: 409, body: { code: 'username-taken' } });
  });

  it('only admin manages accounts; an unknown id is 404', async () => {
    expect((await call('GET', '/v1/staff', await tokens(api).staff())).status).toBe(403);
    expect((await call('POST', '/v1/staff', await tokens(api).compliance(), { username: 'x.y.z', displayName: 'x', roles: ['ops'] })).status).toBe(403);
    expect(await call('GET', '/v1/staff/0190f7a0-0000-7000-8000-000000000009', admin)).toMatchObject({ status: 404, body: { code: 'staff-not-found' } });
    expect(await call('GET', '/v1/staff/not-an-id', admin)).toMatchObject({ status: 404, body: { code: 'staff-not-found' } });
  });

  it('grants and revokes roles and sets the department, with If-Match; every change names its admin in the audit trail', async () => {
    const { body } = await create('li.roles');
    const granted = await call('POST', `/v1/staff/${body.staffId}/roles`, admin, { role: 'customer_service' }, { 'if-match': '"2"' });
    expect(granted).toMatchObject({ status: 201, body: { version: 3 } });
    expect(await call('POST', `/v1/staff/${body.staffId}/roles`, admin, { role: 'manager' }, { 'if-match': '"2"' })).toMatchObject({
      status: 412,
      body: { code: 'precondition-failed', currentVersion: 3 },
    });
    expect(await call('POST', `/v1/staff/${body.staffId}/roles`, admin, { role: 'data_subject' })).toMatchObject({ status: 400, body: { errors: [{ path: 'role' }] } });
    expect((await call('DELETE', `/v1/staff/${body.staffId}/roles/front_desk`, admin)).status).toBe(200);
    expect(await call('DELETE', `/v1/staff/${body.staffId}/roles/customer_service`, admin)).toMatchObject({ status: 409, body: { code: 'staff-needs-a-role' } });
    expect(await call('PUT', `/v1/staff/${body.staffId}/department`, admin, { departmentId: 'no-such-department' })).toMatchObject({
      status: 422,
      body: { code: 'unknown-department', errors: [{ path: 'departmentId' }] },
    });
    expect((await call('PUT', `/v1/staff/${body.staffId}/department`, admin, { departmentId: care2 })).status).toBe(200);
    const missing = await call('PUT', `/v1/staff/${body.staffId}/department`, admin, {});
    expect({ status: missing.status, paths: [...new Set(missing.body.errors.map((e: { path: string }) => e.path))] }).toEqual({ status: 400, paths: ['departmentId'] });
    const view = await call('GET', `/v1/staff/${body.staffId}`, admin);
    expect(view.body).toMatchObject({ roles: ['customer_service'], departmentId: care2, version: 5 });
    const { rows } = await api.database.pool.query(`SELECT type, metadata->>'actor' AS actor FROM ledger_events WHERE stream_id = $1 ORDER BY stream_version`, [
      `staff-account-${body.staffId}`,
    ]);
    expect(rows).toEqual([
      { type: 'StaffAccountCreated', actor: 'admin-li' },
      { type: 'StaffPasswordSet', actor: 'admin-li' },
      { type: 'StaffRoleGranted', actor: 'admin-li' },
      { type: 'StaffRoleRevoked', actor: 'admin-li' },
      { type: 'StaffDepartmentSet', actor: 'admin-li' },
    ]);
  });

  it('revoking a role refuses the tokens the account holds; its next sign-in carries the roles it has now', async () => {
    const { body } = await create('role.change', { roles: ['front_desk', 'customer_service'] });
    const signed = await firstSignIn('role.change', body.oneTimePassword);
    const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { roles: string[] };
    expect(claims(signed.body.accessToken).roles).toEqual(['front_desk', 'customer_service']);
    expect((await call('DELETE', `/v1/staff/${body.staffId}/roles/front_desk`, admin)).status).toBe(200);
    expect(await call('GET', '/v1/auth/sessions', signed.body.accessToken)).toMatchObject({ status: 401, body: { code: 'token-revoked' } });
    const again = await call('POST', '/v1/auth/login', undefined, { username: 'role.change', password: PASSWORD });
    expect(claims(again.body.accessToken).roles).toEqual(['customer_service']);
    expect((await call('GET', '/v1/auth/sessions', again.body.accessToken)).status).toBe(200);
  });

  it('a password reset gives a new one-time password: the old password stops working, sessions end', async () => {
    const { body } = await create('reset.pw');
    const signed = await firstSignIn('reset.pw', body.oneTimePassword);
    expect(signed.status).toBe(200);
    const reset = await call('POST', `/v1/staff/${body.staffId}/password-reset`, admin);
    expect(reset.body.oneTimePassword).toMatch(/^[A-Za-z2-9]{20}$/);
    expect((await call('POST', '/v1/auth/login', undefined, { username: 'reset.pw', password: PASSWORD })).status).toBe(401);
    expect((await call('POST', '/v1/auth/refresh', undefined, { refreshToken: signed.body.refreshToken })).status).toBe(401);
    const again = await call('POST', '/v1/auth/login', undefined, { username: 'reset.pw', password: reset.body.oneTimePassword });
    expect(again.body).toEqual({ passwordChangeRequired: true, passwordToken: expect.any(String) });
  });

  it('disable and enable: a disabled account cannot sign in or refresh; enabled, it can again', async () => {
    const { body } = await create('gone.soon');
    const signed = await firstSignIn('gone.soon', body.oneTimePassword);
    expect((await call('GET', '/v1/auth/sessions', signed.body.accessToken)).status).toBe(200);
    expect((await call('POST', `/v1/staff/${body.staffId}/disable`, admin)).body).toMatchObject({ version: 4 });
    expect(await call('GET', '/v1/auth/sessions', signed.body.accessToken)).toMatchObject({ status: 401, body: { code: 'token-revoked' } });
    expect((await call('GET', `/v1/staff/${body.staffId}`, admin)).body.status).toBe('disabled');
    expect(await call('POST', '/v1/auth/login', undefined, { username: 'gone.soon', password: PASSWORD })).toMatchObject({ status: 401, body: { code: 'invalid-credentials' } });
    expect((await call('POST', '/v1/auth/refresh', undefined, { refreshToken: signed.body.refreshToken })).status).toBe(401);
    expect((await call('POST', `/v1/staff/${body.staffId}/enable`, admin)).status).toBe(200);
    expect((await call('POST', '/v1/auth/login', undefined, { username: 'gone.soon', password: PASSWORD })).status).toBe(200);
  });

  it('an MFA reset lets the account enrol again', async () => {
    const { body } = await create('mfa.reset', { roles: ['compliance_officer'] });
    const step = await firstSignIn('mfa.reset', body.oneTimePassword);
    const enrolled = await call('POST', '/v1/auth/mfa/enrol', undefined, { enrolmentToken: step.body.enrolmentToken });
    expect((await call('GET', `/v1/staff/${body.staffId}`, admin)).body).toMatchObject({ mfa: 'pending', mfaRequired: true });
    expect(enrolled.status).toBe(200);
    expect((await call('POST', `/v1/staff/${body.staffId}/mfa-reset`, admin)).status).toBe(200);
    expect((await call('GET', `/v1/staff/${body.staffId}`, admin)).body.mfa).toBe('none');
  });

  it('the sign-in history is for admin and compliance officers, and holds no secret', async () => {
    const { body } = await create('hist.one');
    await firstSignIn('hist.one', body.oneTimePassword);
    await call('POST', '/v1/auth/login', undefined, { username: 'hist.one', password: 'wrong but long enough' });
    expect((await call('GET', `/v1/staff/${body.staffId}/logins`, await tokens(api).staff())).status).toBe(403);
    const history = await call('GET', `/v1/staff/${body.staffId}/logins?limit=2`, await tokens(api).compliance());
    expect(history.body.items).toEqual([
      { sequence: 2, outcome: 'login-failed', reason: 'password', ip: '127.0.0.1', at: expect.any(String) },
      { sequence: 1, outcome: 'login-succeeded', sessionId: expect.any(String), mfa: false, ip: '127.0.0.1', at: expect.any(String) },
    ]);
    expect(await call('GET', `/v1/staff/${body.staffId}/logins?limit=0`, admin)).toMatchObject({ status: 400, body: { errors: [{ path: 'limit' }] } });
  });

  it('sessions: one’s own, or anyone’s for admin; deleting one ends it', async () => {
    const { body } = await create('sess.one');
    const signed = await firstSignIn('sess.one', body.oneTimePassword);
    const other = await tokens(api).staff();
    expect((await call('GET', `/v1/auth/sessions?staffId=${body.staffId}`, other)).status).toBe(403);
    const listed = await call('GET', `/v1/auth/sessions?staffId=${body.staffId}`, admin);
    expect(listed.body.items).toEqual([expect.objectContaining({ sessionId: signed.body.sessionId, current: false })]);
    expect((await call('DELETE', `/v1/auth/sessions/${signed.body.sessionId}`, other)).status).toBe(404);
    expect((await call('DELETE', `/v1/auth/sessions/${signed.body.sessionId}`, signed.body.accessToken)).status).toBe(204);
    expect((await call('POST', '/v1/auth/refresh', undefined, { refreshToken: signed.body.refreshToken })).status).toBe(401);
    // the deleted session's own access token is refused now
    expect(await call('GET', '/v1/auth/sessions', signed.body.accessToken)).toMatchObject({ status: 401, body: { code: 'token-revoked' } });
    expect((await call('GET', `/v1/auth/sessions?staffId=${body.staffId}`, admin)).body.items).toEqual([]);
  });

  it('names and credentials are sealed in the log', async () => {
    const { rows } = await api.database.pool.query<{ data: string }>(`SELECT data::text FROM ledger_events WHERE stream_id LIKE 'staff-%'`);
    const text = rows.map((row) => row.data).join('\n');
    expect(text).toContain('wang.xm');
    for (const clear of ['王小明', '$argon2', '127.0.0.1', PASSWORD]) expect(text).not.toContain(clear);
  });

  describe('ledger staff', () => {
    /** Runs `ledger staff …` through nest-commander against the API's database; stdout lines parsed as JSON. */
    async function ledger(...args: string[]): Promise<{ lines: Array<Record<string, unknown>>; errors: Error[]; exitCode: number | undefined }> {
      const dataDir = mkdtempSync(join(tmpdir(), 'pi-ledger-cli-'));
      const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: api.database.url, dataDir, masterKey };
      try {
        const run = await runCli(LedgerCliModule.forRoot(config, pino({ level: 'silent' })), ['staff', ...args]);
        const lines = run.stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        return { lines, errors: run.errors, exitCode: run.exitCode };
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }

    it('bootstrap-admin creates the first admin only while there is none; its one-time password signs in', async () => {
      const first = await ledger('bootstrap-admin', 'root.admin');
      expect(first.errors).toEqual([]);
      expect(first.lines).toEqual([{ staffId: expect.any(String), username: 'root.admin', oneTimePassword: expect.stringMatching(/^[A-Za-z2-9]{20}$/) }]);
      const login = await call('POST', '/v1/auth/login', undefined, { username: 'root.admin', password: first.lines[0].oneTimePassword });
      expect(login.body).toEqual({ passwordChangeRequired: true, passwordToken: expect.any(String) });
      const second = await ledger('bootstrap-admin', 'other.admin');
      expect(second).toMatchObject({ lines: [], exitCode: 3 });
      const { rows } = await api.database.pool.query(`SELECT metadata->>'actor' AS actor FROM ledger_events WHERE stream_id = $1 LIMIT 1`, [
        `staff-account-${first.lines[0].staffId as string}`,
      ]);
      expect(rows[0].actor).toMatch(/^cli:/);
    });

    it('keeps the last active admin: disabling it or taking its admin role is 409 last-admin, until there is another', async () => {
      const root = (await call('GET', '/v1/staff', admin)).body.items.find((item: { username: string }) => item.username === 'root.admin');
      expect(await call('POST', `/v1/staff/${root.staffId}/disable`, admin)).toMatchObject({ status: 409, body: { code: 'last-admin' } });
      expect(await call('DELETE', `/v1/staff/${root.staffId}/roles/admin`, admin)).toMatchObject({ status: 409, body: { code: 'last-admin' } });
      expect((await call('POST', '/v1/staff', admin, { username: 'second.admin', displayName: '备用管理员', roles: ['admin'] })).status).toBe(201);
      expect((await call('POST', `/v1/staff/${root.staffId}/disable`, admin)).status).toBe(200);
      expect((await call('POST', `/v1/staff/${root.staffId}/enable`, admin)).status).toBe(200);
    });

    it('create, list, reset-mfa and disable', async () => {
      const unknown = await ledger('create', '--username', 'cli.nodept', '--display-name', '无部门', '--role', 'customer_service', '--department', 'svc-1');
      expect(unknown.errors.map((error) => (error as { code?: string }).code)).toEqual(['unknown-department']);
      const department = await call('POST', '/v1/departments', admin, { code: 'svc-1', name: '客服一部' });
      expect(department.status).toBe(201);
      const created = await ledger('create', '--username', 'cli.user', '--display-name', '陈静', '--role', 'customer_service', '--department', 'svc-1');
      expect(created.lines[0]).toMatchObject({ username: 'cli.user', oneTimePassword: expect.any(String) });
      const listed = await ledger('list');
      expect(listed.lines).not.toContainEqual(expect.objectContaining({ username: 'cli.nodept' }));
      expect(listed.lines).toContainEqual({
        staffId: created.lines[0].staffId,
        username: 'cli.user',
        roles: ['customer_service'],
        departmentId: department.body.departmentId,
        status: 'active',
        mfa: 'none',
      });
      expect((await ledger('reset-mfa', 'cli.user')).lines).toEqual([{ staffId: created.lines[0].staffId, mfa: 'none', changed: false }]);
      const first = await call('POST', '/v1/auth/login', undefined, { username: 'cli.user', password: created.lines[0].oneTimePassword });
      const signed = await call('POST', '/v1/auth/password', undefined, { passwordToken: first.body.passwordToken, newPassword: PASSWORD });
      expect((await call('GET', '/v1/auth/sessions', signed.body.accessToken)).status).toBe(200);
      expect((await ledger('disable', 'cli.user')).lines).toEqual([{ staffId: created.lines[0].staffId, status: 'disabled', changed: true }]);
      // the API process learns of the CLI's revocation by NOTIFY or its re-read, within 2 s
      await waitUntil(
        'the disabled account’s token refused',
        async () => ((await call('GET', '/v1/auth/sessions', signed.body.accessToken)).status === 401 ? true : undefined),
        2_000,
      );
      expect((await call('POST', '/v1/auth/refresh', undefined, { refreshToken: signed.body.refreshToken })).status).toBe(401);
      expect((await call('GET', `/v1/staff/${created.lines[0].staffId as string}`, admin)).body).toMatchObject({ status: 'disabled', displayName: '陈静' });
      const nobody = await ledger('disable', 'no.such.user');
      expect(nobody.errors.map((error) => (error as { code?: string }).code)).toEqual(['staff-not-found']);
    });
  });
});
