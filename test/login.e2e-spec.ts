import { generate } from 'otplib';
import { jsonRequest, tokens } from './support/test-tokens';
import { startTestApi, TestApi } from './support/test-api';

const PASSWORD = 'correct horse battery staple 7';
type Call = ReturnType<typeof jsonRequest>;

/** A staff account created by admin, its one-time password replaced: ready to sign in. */
async function account(api: TestApi, call: Call, username: string, roles: string[], departmentId?: string) {
  const admin = await tokens(api).admin();
  const created = await call('POST', '/v1/staff', admin, { username, displayName: `名-${username}`, roles, ...(departmentId ? { departmentId } : {}) });
  expect(created.status).toBe(201);
  const first = await call('POST', '/v1/auth/login', undefined, { username, password: created.body.oneTimePassword });
  expect(first.body).toEqual({ passwordChangeRequired: true, passwordToken: expect.any(String) });
  const changed = await call('POST', '/v1/auth/password', undefined, { passwordToken: first.body.passwordToken, newPassword: PASSWORD });
  expect(changed.status).toBe(200);
  return { staffId: created.body.staffId as string, oneTimePassword: created.body.oneTimePassword as string, afterChange: changed.body };
}

/** Every secret a request sent or an answer carried: none may ever reach a log or the database in clear. */
const SENT = ['password', 'newPassword', 'currentPassword', 'code', 'challenge', 'enrolmentToken', 'passwordToken', 'refreshToken'];
const ANSWERED = ['challenge', 'enrolmentToken', 'passwordToken', 'refreshToken', 'accessToken', 'oneTimePassword', 'secret'];
const secrets = new Set<string>();
function recording(call: Call): Call {
  const collect = (value: unknown, fields: string[]) => {
    if (value === null || typeof value !== 'object') return;
    for (const field of fields) {
      const secret = (value as Record<string, unknown>)[field];
      if (typeof secret === 'string') secrets.add(secret);
    }
  };
  return async (method, path, token, body, headers) => {
    collect(body, SENT);
    const answer = await call(method, path, token, body, headers);
    collect(answer.body, ANSWERED);
    return answer;
  };
}

/** A TOTP code at the ledger's (pinned) clock, `steps` steps later. */
const codeAt = (api: TestApi, secret: string, steps = 0) => generate({ secret, epoch: Math.floor(api.clock().getTime() / 1000) + steps * 30 });

describe('staff sign-in over HTTP', () => {
  let api: TestApi;
  let call: Call;

  beforeAll(async () => {
    // each spec signs in more often than a person would: only the per-username limit, which one spec checks
    api = await startTestApi({ authRateLimit: { perIp: 0, perUsername: 8, windowSeconds: 60 } });
    call = recording(jsonRequest(api));
  });
  afterAll(() => api.close());

  it('without MFA (front desk): password → tokens that open the API, a refresh cookie scoped to /v1/auth', async () => {
    const { staffId, afterChange } = await account(api, call, 'desk.one', ['front_desk']);
    expect(afterChange).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900, tokenType: 'Bearer', staffId });
    const response = await api.request('/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'desk.one', password: PASSWORD }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^ledger_refresh=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/v1\/auth; HttpOnly; SameSite=Strict$/);
    const signed = (await response.json()) as { accessToken: string; sessionId: string };
    const sessions = await call('GET', '/v1/auth/sessions', signed.accessToken);
    expect(sessions.status).toBe(200);
    expect(sessions.body.items.find((session: { current: boolean }) => session.current)).toMatchObject({ sessionId: signed.sessionId, staffId });
    // the cookie alone refreshes, with no body at all (as the console sends it)
    const refreshed = await api.request('/v1/auth/refresh', { method: 'POST', headers: { cookie: cookie.split(';')[0] } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('set-cookie')).toMatch(/^ledger_refresh=[A-Za-z0-9_-]{43};/);
    // the new refresh token travels only in the httpOnly cookie, never where a script could read it
    const rotated = (await refreshed.json()) as Record<string, unknown>;
    expect(rotated).toMatchObject({ accessToken: expect.any(String) });
    expect(rotated).not.toHaveProperty('refreshToken');
    // and without a token anywhere: 401, not a 500
    expect((await api.request('/v1/auth/refresh', { method: 'POST' })).status).toBe(401);
  });

  it('a role that needs MFA, granted to a signed-in account without it, ends the session at its next refresh; signing in again asks for enrolment', async () => {
    const { staffId, afterChange } = await account(api, call, 'desk.grant', ['front_desk']);
    const granted = await call('POST', `/v1/staff/${staffId}/roles`, await tokens(api).admin(), { role: 'health_manager' });
    expect(granted.status).toBe(201);
    const refreshed = await call('POST', '/v1/auth/refresh', undefined, { refreshToken: afterChange.refreshToken });
    expect(refreshed.status).toBe(401);
    const again = await call('POST', '/v1/auth/login', undefined, { username: 'desk.grant', password: PASSWORD });
    expect(again.body).toEqual({ mfaEnrolmentRequired: true, enrolmentToken: expect.any(String) });
  });

  it('a pending step token dies with the password it followed: after an admin resets the password, a phished enrolment token enrols nothing', async () => {
    const { staffId, afterChange } = await account(api, call, 'hm.phished', ['health_manager']);
    expect(afterChange).toEqual({ mfaEnrolmentRequired: true, enrolmentToken: expect.any(String) });
    const reset = await call('POST', `/v1/staff/${staffId}/password-reset`, await tokens(api).admin());
    expect(reset.status).toBe(200);
    const enrol = await call('POST', '/v1/auth/mfa/enrol', undefined, { enrolmentToken: afterChange.enrolmentToken });
    expect({ status: enrol.status, code: enrol.body.code }).toEqual({ status: 401, code: 'invalid-step-token' });
    // the new one-time password starts a sign-in whose tokens do work
    const fresh = await call('POST', '/v1/auth/login', undefined, { username: 'hm.phished', password: reset.body.oneTimePassword });
    expect(fresh.body).toEqual({ passwordChangeRequired: true, passwordToken: expect.any(String) });
  });

  it('a mandatory-MFA role without MFA gets only an enrolment token; enrolment, then password + TOTP', async () => {
    // not through the recording call: a department's `code` is no secret
    const department = await jsonRequest(api)('POST', '/v1/departments', await tokens(api).admin(), { code: 'dept-a', name: '健康管理一部' });
    const { staffId, afterChange } = await account(api, call, 'hm.one', ['health_manager'], department.body.departmentId);
    expect(afterChange).toEqual({ mfaEnrolmentRequired: true, enrolmentToken: expect.any(String) });
    // the enrolment token opens nothing else
    expect((await call('GET', '/v1/auth/sessions', afterChange.enrolmentToken)).status).toBe(401);
    const enrol = await call('POST', '/v1/auth/mfa/enrol', undefined, { enrolmentToken: afterChange.enrolmentToken });
    expect(enrol.status).toBe(200);
    expect(enrol.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/pi-ledger:hm\.one\?secret=[A-Z2-7]+&issuer=pi-ledger$/);
    expect(enrol.body.qrCode).toMatch(/^data:image\/png;base64,/);
    const wrong = await call('POST', '/v1/auth/mfa/confirm', undefined, { enrolmentToken: afterChange.enrolmentToken, code: '000000' });
    expect(wrong.status).toBe(401);
    const confirmed = await call('POST', '/v1/auth/mfa/confirm', undefined, { enrolmentToken: afterChange.enrolmentToken, code: await codeAt(api, enrol.body.secret) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ accessToken: expect.any(String), staffId });

    const login = await call('POST', '/v1/auth/login', undefined, { username: 'hm.one', password: PASSWORD });
    expect(login.body).toEqual({ mfaRequired: true, challenge: expect.any(String) });
    // the code that confirmed the enrolment is spent
    const replayedConfirm = await call('POST', '/v1/auth/mfa', undefined, { challenge: login.body.challenge, code: await codeAt(api, enrol.body.secret) });
    expect(replayedConfirm).toMatchObject({ status: 401, body: { code: 'invalid-mfa-code' } });
    const wrongCode = await call('POST', '/v1/auth/mfa', undefined, {
      challenge: login.body.challenge,
      code: '123456' === (await codeAt(api, enrol.body.secret, 1)) ? '654321' : '123456',
    });
    expect(wrongCode).toMatchObject({ status: 401, body: { code: 'invalid-mfa-code' } });
    const next = await codeAt(api, enrol.body.secret, 1);
    const signed = await call('POST', '/v1/auth/mfa', undefined, { challenge: login.body.challenge, code: next });
    expect(signed.status).toBe(200);
    const payload = JSON.parse(Buffer.from(signed.body.accessToken.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ sub: staffId, roles: ['health_manager'], sid: signed.body.sessionId, dept: department.body.departmentId });
    // a replayed code is refused, even with a fresh challenge
    const again = await call('POST', '/v1/auth/login', undefined, { username: 'hm.one', password: PASSWORD });
    expect(await call('POST', '/v1/auth/mfa', undefined, { challenge: again.body.challenge, code: next })).toMatchObject({ status: 401, body: { code: 'invalid-mfa-code' } });
    // a challenge is no bearer token, and an access token is no challenge
    expect((await call('GET', '/v1/auth/sessions', again.body.challenge)).status).toBe(401);
    expect(await call('POST', '/v1/auth/mfa', undefined, { challenge: signed.body.accessToken, code: next })).toMatchObject({ status: 401, body: { code: 'invalid-step-token' } });
  });

  it('a signed-in person may enrol TOTP and change their password with their access token', async () => {
    const { afterChange } = await account(api, call, 'desk.self', ['front_desk']);
    const bearer = afterChange.accessToken as string;
    expect((await call('POST', '/v1/auth/mfa/enrol', undefined, {})).status).toBe(401);
    const enrol = await api.request('/v1/auth/mfa/enrol', { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: '{}' });
    const { secret } = (await enrol.json()) as { secret: string };
    secrets.add(secret);
    const code = await codeAt(api, secret);
    secrets.add(code);
    const confirmed = await call('POST', '/v1/auth/mfa/confirm', undefined, { code }, { authorization: `Bearer ${bearer}` });
    expect(confirmed).toMatchObject({ status: 200, body: { mfa: 'enrolled' } });
    expect((await call('POST', '/v1/auth/login', undefined, { username: 'desk.self', password: PASSWORD })).body).toEqual({ mfaRequired: true, challenge: expect.any(String) });

    const wrong = await call(
      'POST',
      '/v1/auth/password',
      undefined,
      { currentPassword: 'not my password at all', newPassword: 'another fine passphrase 9' },
      { authorization: `Bearer ${bearer}` },
    );
    expect(wrong).toMatchObject({ status: 403, body: { code: 'current-password-incorrect', errors: [{ path: 'currentPassword' }] } });
    const changed = await call(
      'POST',
      '/v1/auth/password',
      undefined,
      { currentPassword: PASSWORD, newPassword: 'another fine passphrase 9' },
      { authorization: `Bearer ${bearer}` },
    );
    expect(changed).toMatchObject({ status: 200, body: { status: 'changed' } });
    expect((await call('POST', '/v1/auth/login', undefined, { username: 'desk.self', password: PASSWORD })).status).toBe(401);
  });

  it('changing one’s own password ends every other session of the account; wrong current passwords count towards the lock', async () => {
    await account(api, call, 'desk.chpw', ['front_desk']);
    const here = await call('POST', '/v1/auth/login', undefined, { username: 'desk.chpw', password: PASSWORD });
    const elsewhere = await call('POST', '/v1/auth/login', undefined, { username: 'desk.chpw', password: PASSWORD });
    const changed = await call('POST', '/v1/auth/password', here.body.accessToken, { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 10' });
    expect(changed).toMatchObject({ status: 200, body: { status: 'changed', otherSessionsEnded: 2 } }); // the one from account() and `elsewhere`
    expect(await call('GET', '/v1/auth/sessions', elsewhere.body.accessToken)).toMatchObject({ status: 401, body: { code: 'token-revoked' } });
    expect((await call('POST', '/v1/auth/refresh', undefined, { refreshToken: elsewhere.body.refreshToken })).status).toBe(401);
    const mine = await call('GET', '/v1/auth/sessions', here.body.accessToken);
    expect(mine).toMatchObject({ status: 200, body: { items: [{ sessionId: here.body.sessionId, current: true }] } });

    for (let i = 0; i < 5; i++) {
      const wrong = await call('POST', '/v1/auth/password', here.body.accessToken, { currentPassword: `not it ${i} at all`, newPassword: 'yet another passphrase 11' });
      expect(wrong).toMatchObject({ status: 403, body: { code: 'current-password-incorrect' } });
    }
    const locked = await call('POST', '/v1/auth/password', here.body.accessToken, { currentPassword: 'a brand new passphrase 10', newPassword: 'yet another passphrase 11' });
    expect(locked).toMatchObject({ status: 403, body: { code: 'account-locked' } });
    expect((await call('POST', '/v1/auth/login', undefined, { username: 'desk.chpw', password: 'a brand new passphrase 10' })).status).toBe(401);
  });

  // that an unknown user costs a hash as a wrong password does is measured by bench:auth (login, by kind), not timed here
  it('an unknown user and a wrong password get the same status and body', async () => {
    await account(api, call, 'desk.two', ['front_desk']);
    const attempt = (username: string) => call('POST', '/v1/auth/login', undefined, { username, password: 'not the password at all' });
    const strip = (response: Awaited<ReturnType<Call>>) => ({ status: response.status, body: { ...response.body, instance: undefined } });
    const unknown = strip(await attempt('nobody.here'));
    expect(unknown).toEqual(strip(await attempt('desk.two')));
    expect(unknown).toMatchObject({ status: 401, body: { code: 'invalid-credentials' } });
  });

  it('five wrong passwords lock the account (the right one is then refused alike); admin unlocks it', async () => {
    const { staffId } = await account(api, call, 'desk.lock', ['front_desk']);
    for (let i = 0; i < 5; i++) expect((await call('POST', '/v1/auth/login', undefined, { username: 'desk.lock', password: `wrong password ${i}!` })).status).toBe(401);
    const locked = await call('POST', '/v1/auth/login', undefined, { username: 'desk.lock', password: PASSWORD });
    expect(locked).toMatchObject({ status: 401, body: { code: 'invalid-credentials' } });
    const admin = await tokens(api).admin();
    expect((await call('GET', `/v1/staff/${staffId}`, admin)).body.lockedUntil).toEqual(expect.any(String));
    expect((await call('POST', `/v1/staff/${staffId}/unlock`, admin)).status).toBe(200);
    expect((await call('POST', '/v1/auth/login', undefined, { username: 'desk.lock', password: PASSWORD })).status).toBe(200);
    const history = await call('GET', `/v1/staff/${staffId}/logins`, await tokens(api).compliance());
    expect(history.body.items.map((entry: { outcome: string; reason?: string }) => entry.reason ?? entry.outcome).slice(0, 4)).toEqual([
      'login-succeeded',
      'unlocked',
      'locked',
      'locked',
    ]);
    expect(history.body.items[0]).toMatchObject({ ip: '127.0.0.1', at: expect.any(String) });
  });

  it('refresh tokens rotate; reusing a spent one ends the whole session', async () => {
    await account(api, call, 'desk.rot', ['front_desk']);
    const login = await call('POST', '/v1/auth/login', undefined, { username: 'desk.rot', password: PASSWORD });
    const first = await call('POST', '/v1/auth/refresh', undefined, { refreshToken: login.body.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(login.body.refreshToken);
    expect(first.body.sessionId).toBe(login.body.sessionId);
    const reused = await call('POST', '/v1/auth/refresh', undefined, { refreshToken: login.body.refreshToken });
    expect(reused).toMatchObject({ status: 401, body: { code: 'refresh-token-reused' } });
    // the newest token of that session is dead too
    expect(await call('POST', '/v1/auth/refresh', undefined, { refreshToken: first.body.refreshToken })).toMatchObject({ status: 401, body: { code: 'invalid-refresh-token' } });
  });

  it('logout ends the session and refuses its access token; a disabled account cannot sign in and its old token is refused', async () => {
    const { staffId } = await account(api, call, 'desk.out', ['front_desk']);
    const login = await call('POST', '/v1/auth/login', undefined, { username: 'desk.out', password: PASSWORD });
    expect((await call('GET', '/v1/auth/sessions', login.body.accessToken)).status).toBe(200);
    expect((await call('POST', '/v1/auth/logout', login.body.accessToken)).status).toBe(204);
    expect(await call('GET', '/v1/auth/sessions', login.body.accessToken)).toMatchObject({ status: 401, body: { code: 'token-revoked' } });
    expect((await call('POST', '/v1/auth/refresh', undefined, { refreshToken: login.body.refreshToken })).status).toBe(401);

    const again = await call('POST', '/v1/auth/login', undefined, { username: 'desk.out', password: PASSWORD });
    expect((await call('GET', '/v1/auth/sessions', again.body.accessToken)).status).toBe(200);
    const admin = await tokens(api).admin();
    expect((await call('POST', `/v1/staff/${staffId}/disable`, admin)).status).toBe(200);
    expect(await call('GET', '/v1/auth/sessions', again.body.accessToken)).toMatchObject({ status: 401, body: { code: 'token-revoked' } });
    expect(await call('POST', '/v1/auth/login', undefined, { username: 'desk.out', password: PASSWORD })).toMatchObject({ status: 401, body: { code: 'invalid-credentials' } });
    // re-enabled, a new sign-in's token works again (the revocation refused only tokens issued before it)
    expect((await call('POST', `/v1/staff/${staffId}/enable`, admin)).status).toBe(200);
    const back = await call('POST', '/v1/auth/login', undefined, { username: 'desk.out', password: PASSWORD });
    expect((await call('GET', '/v1/auth/sessions', back.body.accessToken)).status).toBe(200);
  });

  it('a reused refresh token also refuses the session’s access token at once', async () => {
    await account(api, call, 'desk.reuse', ['front_desk']);
    const login = await call('POST', '/v1/auth/login', undefined, { username: 'desk.reuse', password: PASSWORD });
    const rotated = await call('POST', '/v1/auth/refresh', undefined, { refreshToken: login.body.refreshToken });
    expect((await call('GET', '/v1/auth/sessions', rotated.body.accessToken)).status).toBe(200);
    expect((await call('POST', '/v1/auth/refresh', undefined, { refreshToken: login.body.refreshToken })).status).toBe(401);
    expect(await call('GET', '/v1/auth/sessions', rotated.body.accessToken)).toMatchObject({ status: 401, body: { code: 'token-revoked' } });
  });

  it('sign-in is rate-limited per username (a password spray from many addresses): 429 past the limit', async () => {
    const attempts = [];
    for (let i = 0; i < 9; i++) attempts.push((await call('POST', '/v1/auth/login', undefined, { username: 'spray.target', password: `guess number ${i}!` })).status);
    expect(attempts).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 429]);
  });

  it('a password must be long, uncommon and not the username', async () => {
    const admin = await tokens(api).admin();
    const created = await call('POST', '/v1/staff', admin, { username: 'desk.pw', displayName: 'x', roles: ['front_desk'] });
    const first = await call('POST', '/v1/auth/login', undefined, { username: 'desk.pw', password: created.body.oneTimePassword });
    for (const weak of ['short', 'qwerty123456', 'my-desk.pw-is-long', 'aaaaaaaaaaaaaaaa']) {
      const refused = await call('POST', '/v1/auth/password', undefined, { passwordToken: first.body.passwordToken, newPassword: weak });
      expect(refused).toMatchObject({ status: 400, body: { code: 'validation-failed', errors: [{ path: 'newPassword' }] } });
    }
  });

  it('no password, code, hash, secret or token of this whole file in clear in the logs or the database', async () => {
    await call('POST', '/v1/auth/login', undefined, { username: 'desk.two', password: PASSWORD });
    const logs = api.logLines.join('\n');
    const { rows } = await api.database.pool.query<{ dump: string }>(
      `SELECT concat_ws(E'\\n', (SELECT string_agg(data::text || metadata::text, E'\\n') FROM ledger_events),
         (SELECT string_agg(t::text, E'\\n') FROM auth_sessions t), (SELECT string_agg(t::text, E'\\n') FROM auth_refresh_tokens t),
         (SELECT string_agg(t::text, E'\\n') FROM staff_usernames t)) AS dump`,
    );
    const database = rows[0].dump;
    expect(secrets.size).toBeGreaterThan(40);
    for (const secret of secrets) {
      // a 6-digit code could occur by chance inside a digest or ciphertext: look for it as a JSON string only
      const needle = /^\d{6}$/.test(secret) ? `"${secret}"` : secret;
      expect({ secret, inLogs: logs.includes(needle), inDatabase: database.includes(needle) }).toEqual({ secret, inLogs: false, inDatabase: false });
    }
    for (const clear of ['$argon2id$', '名-desk.one', '127.0.0.1']) expect(database).not.toContain(clear);
    expect(logs).not.toContain('$argon2id$');
  });
});
