import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LedgerCliModule } from '../apps/ledger-cli/src/ledger-cli.module';
import { RevocationService } from '../libs/access-control/src/revocation/revocation.service';
import { loadConfig } from '../libs/platform/src/config/ledger-config';
import { TokenService } from '../libs/access-control/src/token.service';
import { runCli } from './support/cli-run';
import { startTestApi, TestApi } from './support/test-api';
import { waitUntil } from './support/wait-until';

/** Two API processes on one database and one data dir (one JWT secret), as a deployment behind a load balancer runs them. */
describe('revocation across API processes', () => {
  let a: TestApi;
  let b: TestApi;
  let sign: TokenService['sign'];
  let dataDir: string;
  const read = (api: TestApi, token: string) => api.request('/v1/access-matrix', { headers: { authorization: `Bearer ${token}` } });
  const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string; iat: number; sid?: string };
  /** Polls B until it refuses the token; the assertion is the 2 s bound, not a sleep. */
  const refusedBy = (api: TestApi, token: string, withinMs = 2_000) =>
    waitUntil('the token to be refused', async () => ((await read(api, token)).status === 401 ? true : undefined), withinMs, 10);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pi-ledger-revoke-'));
    a = await startTestApi({ dataDir });
    b = await startTestApi({ dataDir, databaseUrl: a.database.url });
    const tokens = a.app.get(TokenService);
    sign = (request) => tokens.sign(request);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('refuses a token revoked on A on B within 2 s, with 401 token-revoked, and records who revoked it', async () => {
    const token = await sign({ sub: 'ops-bot', roles: ['admin'] });
    const kept = await sign({ sub: 'ops-bot', roles: ['admin'] });
    expect((await read(b, token)).status).toBe(200);

    const started = performance.now();
    await a.app.get(RevocationService).revokeToken(claims(token).jti, 'operator', { actor: { id: 'admin-li', roles: ['admin'] }, correlationId: 'c-1' });
    expect((await read(a, token)).status).toBe(401); // the revoking process at once
    await refusedBy(b, token);
    expect(performance.now() - started).toBeLessThan(2_000);

    const refused = await read(b, token);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await refused.json()).toMatchObject({ status: 401, code: 'token-revoked' });
    expect((await read(b, kept)).status).toBe(200); // only that token

    const { rows } = await a.database.pool.query(`SELECT type, data, metadata FROM ledger_events WHERE stream_id = $1`, [`revocation-token-${claims(token).jti}`]);
    expect(rows).toEqual([
      {
        type: 'TokenRevoked',
        data: { tokenId: claims(token).jti, reason: 'operator', revokedAt: expect.any(String) },
        metadata: expect.objectContaining({ actor: 'admin-li', roles: ['admin'] }),
      },
    ]);
    // the ledger clock's time (pinned in tests), not the host's
    expect(Date.parse(rows[0].data.revokedAt)).toBeLessThanOrEqual(a.clock().getTime());
    expect(Date.parse(rows[0].data.revokedAt)).toBeGreaterThan(a.clock().getTime() - 60_000);
  });

  it('revokes every token of a session, once', async () => {
    const first = await sign({ sub: 'nurse-zhou', roles: ['admin'], sessionId: 'session-abc' });
    const second = await sign({ sub: 'nurse-zhou', roles: ['admin'], sessionId: 'session-abc' });
    const otherSession = await sign({ sub: 'nurse-zhou', roles: ['admin'], sessionId: 'session-def' });
    const revocations = a.app.get(RevocationService);
    await revocations.revokeSession('session-abc', 'logout');
    await revocations.revokeSession('session-abc', 'logout'); // a second logout changes nothing
    await refusedBy(b, first);
    expect((await read(b, second)).status).toBe(401);
    expect((await read(b, otherSession)).status).toBe(200);
    const { rows } = await a.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id = 'revocation-session-session-abc'`);
    expect(rows[0].n).toBe(1);
  });

  it('refuses an actor’s tokens issued before its revocation, and accepts one issued after', async () => {
    const before = await sign({ sub: 'staff-leaver', roles: ['admin'] });
    await a.app.get(RevocationService).revokeActor('staff-leaver', 'account-disabled');
    const after = await sign({ sub: 'staff-leaver', roles: ['admin'] });
    expect(claims(after).iat).toBeGreaterThan(claims(before).iat);
    await refusedBy(b, before);
    expect((await read(a, before)).status).toBe(401);
    expect((await read(b, after)).status).toBe(200);
    expect((await read(a, after)).status).toBe(200);
  });

  it('refuses bad input at the core and writes nothing', async () => {
    const revocations = a.app.get(RevocationService);
    await expect(revocations.revokeToken('t-1', 'Free text with a name 张伟')).rejects.toMatchObject({ code: 'validation-failed', errors: [{ path: 'reason' }] });
    await expect(revocations.revokeSession(' ', 'logout')).rejects.toMatchObject({ code: 'validation-failed', errors: [{ path: 'sessionId' }] });
    const { rows } = await a.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id IN ('revocation-token-t-1', 'revocation-session- ')`);
    expect(rows[0].n).toBe(0);
  });

  it('converges through the re-read when the LISTEN connections are killed', async () => {
    const owner = await a.database.ownerClient();
    const listeners = () =>
      owner.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN ledger_revocations'`).then((result) => result.rows);
    expect((await listeners()).length).toBeGreaterThanOrEqual(2);
    await owner.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN ledger_revocations'`);

    const token = await sign({ sub: 'ops-bot-2', roles: ['admin'] });
    await a.app.get(RevocationService).revokeToken(claims(token).jti, 'operator');
    await refusedBy(b, token);
    // and the listeners come back
    await waitUntil('the LISTEN connections to be opened again', async () => ((await listeners()).length >= 2 ? true : undefined), 5_000);
  });

  describe('machine tokens', () => {
    const revoke = (api: TestApi, tokenId: string, token: string) => api.request(`/v1/auth/tokens/${tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });

    it('DELETE /v1/auth/tokens/{tokenId} (admin, ops) revokes one on every process, and again changes nothing', async () => {
      const machine = await sign({ sub: 'prometheus', roles: ['admin'], ttlSeconds: 86_400 });
      const ops = await sign({ sub: 'ops-chen', roles: ['ops'] });
      const response = await revoke(a, claims(machine).jti, ops);
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      await refusedBy(b, machine);
      expect((await revoke(b, claims(machine).jti, ops)).status).toBe(204);
      const { rows } = await a.database.pool.query(`SELECT metadata->>'actor' AS actor FROM ledger_events WHERE stream_id = $1`, [`revocation-token-${claims(machine).jti}`]);
      expect(rows).toEqual([{ actor: 'ops-chen' }]);
    });

    it('refuses other roles (403), a malformed id (400 naming tokenId), and no token (401), revoking nothing', async () => {
      const victim = await sign({ sub: 'ops-bot-3', roles: ['admin'] });
      const staff = await sign({ sub: 'staff-wang', roles: ['staff'] });
      expect((await revoke(a, claims(victim).jti, staff)).status).toBe(403);
      expect((await a.request(`/v1/auth/tokens/${claims(victim).jti}`, { method: 'DELETE' })).status).toBe(401);
      const bad = await revoke(a, 'not-a-token-id', await sign({ sub: 'admin-li', roles: ['admin'] }));
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'validation-failed', errors: [{ path: 'tokenId' }] });
      expect((await read(a, victim)).status).toBe(200);
    });

    it('`ledger auth token` prints the token id on stderr, and `ledger auth revoke <id>` revokes it', async () => {
      const config = { ...loadConfig({ LOG_LEVEL: 'silent', LEDGER_DATA_DIR: dataDir }), databaseUrl: a.database.url };
      const ledger = (...args: string[]) => runCli(LedgerCliModule.forRoot(config, pino({ level: 'silent' })), ['auth', ...args]);

      const issued = await ledger('token', '--sub', 'backup-job', '--role', 'admin');
      expect(issued.errors).toEqual([]);
      const token = issued.stdout.trim();
      expect(issued.stderr).toBe(`token id ${claims(token).jti}\n`);
      expect((await read(b, token)).status).toBe(200);

      const revoked = await ledger('revoke', claims(token).jti);
      expect(revoked.errors).toEqual([]);
      expect(revoked.stdout).toBe('');
      await refusedBy(b, token);
      await refusedBy(a, token);
      const { rows } = await a.database.pool.query(`SELECT metadata->>'actor' AS actor FROM ledger_events WHERE stream_id = $1`, [`revocation-token-${claims(token).jti}`]);
      expect(rows).toEqual([{ actor: expect.stringMatching(/^cli:/) }]);

      expect((await ledger('revoke', 'nonsense')).errors.map((error) => error.message)).toEqual([expect.stringMatching(/UUID/)]);

      const older = await sign({ sub: 'backup-job', roles: ['admin'] });
      const byActor = await ledger('revoke', '--actor', 'backup-job');
      expect(byActor.errors).toEqual([]);
      await refusedBy(b, older);
      expect((await read(b, await sign({ sub: 'backup-job', roles: ['admin'] }))).status).toBe(200);
      expect((await ledger('revoke')).errors.map((error) => error.message)).toEqual([expect.stringMatching(/either a token id or --actor/)]);
    });

    it('DELETE /v1/auth/actors/{actorId} (admin) revokes every token of that actor issued until now; other roles 403, a bad id 400', async () => {
      const admin = await sign({ sub: 'admin-zhao', roles: ['admin'] });
      const leaked = await sign({ sub: 'etl-bot', roles: ['admin'] });
      const revokeActor = (actorId: string, token: string) => a.request(`/v1/auth/actors/${actorId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      expect((await revokeActor('etl-bot', await sign({ sub: 'ops-chen', roles: ['ops'] }))).status).toBe(403);
      expect((await read(b, leaked)).status).toBe(200);
      const bad = await revokeActor('%20bad', admin);
      expect({ status: bad.status, body: await bad.json() }).toMatchObject({ status: 400, body: { code: 'validation-failed', errors: [{ path: 'actorId' }] } });
      expect((await revokeActor('etl-bot', admin)).status).toBe(204);
      await refusedBy(b, leaked);
      expect((await read(b, await sign({ sub: 'etl-bot', roles: ['admin'] }))).status).toBe(200);
    });
  });

  it('writes no token to the logs', () => {
    const lines = [...a.logLines, ...b.logLines].join('\n');
    expect(lines).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    expect(lines).toContain('request completed');
  });
});
