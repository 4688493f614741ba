import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { base64url, SignJWT } from 'jose';
import pino from 'pino';
import { TokenService, TokenServiceConfig } from './token.service';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const now = () => Math.floor(Date.now() / 1000);

function service(config: Partial<TokenServiceConfig> = {}) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const tokens = new TokenService({ dataDir: '/nonexistent/never-used', jwtSecret: SECRET, ...config }, pino({ level: 'debug' }, sink));
  return { tokens, lines };
}

/** A token built by hand, for the cases the service itself would never issue. */
function forge(claims: Record<string, unknown>, key: Uint8Array | KeyObject = new TextEncoder().encode(SECRET), alg = 'HS256') {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('TokenService with the HS256 secret', () => {
  const { tokens, lines } = service();

  it('verifies what it signs', async () => {
    const token = await tokens.sign({ sub: 'alice', roles: ['staff', 'compliance_officer'] });
    expect(await tokens.verify(token)).toMatchObject({ id: 'alice', roles: ['staff', 'compliance_officer'] });
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(new TextDecoder().decode(base64url.decode(part))));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload.exp - payload.iat).toBeCloseTo(3600, 3); // iat and exp carry milliseconds (tokenClockNow)
  });

  it('gives every token its own id, and carries a session and a department when asked', async () => {
    const first = await tokens.verify(await tokens.sign({ sub: 'alice', roles: ['health_manager'], sessionId: 'ses_1', departmentId: 'dep_1' }));
    const second = await tokens.verify(await tokens.sign({ sub: 'alice', roles: ['health_manager'] }));
    expect(first).toMatchObject({ id: 'alice', sessionId: 'ses_1', departmentId: 'dep_1', issuedAt: expect.any(Number), tokenId: expect.any(String) });
    expect(second.tokenId).not.toEqual(first.tokenId);
    expect(second).not.toHaveProperty('sessionId');
    await expect(tokens.sign({ sub: 'alice', roles: ['ops'], sessionId: ' ' })).rejects.toThrow('session id');
  });

  it('carries the subject id of a data subject', async () => {
    const token = await tokens.sign({ sub: 'subject-login-7', roles: ['data_subject'], subjectId: 'sub_123', ttlSeconds: 60 });
    expect(await tokens.verify(token)).toMatchObject({ id: 'subject-login-7', roles: ['data_subject'], subjectId: 'sub_123' });
  });

  it('refuses an expired token, but forgives a few seconds of clock skew', async () => {
    expect(await rejection(tokens.verify(await forge({ sub: 'a', roles: ['staff'], exp: now() - 60 })))).toMatchObject({
      code: 'token-expired',
      message: 'the token has expired',
    });
    expect(await tokens.verify(await forge({ sub: 'a', roles: ['staff'], exp: now() - 2 }))).toEqual({ id: 'a', roles: ['staff'] });
  });

  it('refuses a token issued in the future beyond the skew it forgives (it would outlive an actor revocation)', async () => {
    expect(await rejection(tokens.verify(await forge({ sub: 'a', roles: ['staff'], iat: now() + 60, exp: now() + 120 })))).toMatchObject({
      code: 'invalid-token',
      message: expect.stringMatching(/issued in the future/),
    });
    expect(await tokens.verify(await forge({ sub: 'a', roles: ['staff'], iat: now() + 2, exp: now() + 120 }))).toMatchObject({ id: 'a' });
  });

  it('refuses a token without exp', async () => {
    expect(await rejection(tokens.verify(await forge({ sub: 'a', roles: ['staff'] })))).toMatchObject({ code: 'invalid-token', message: expect.stringMatching(/"exp"/) });
  });

  it('refuses a token signed with another secret', async () => {
    const other = new TextEncoder().encode('another-secret-that-is-long-enough-98765');
    expect(await rejection(tokens.verify(await forge({ sub: 'a', roles: ['staff'], exp: now() + 60 }, other)))).toMatchObject({
      code: 'invalid-token',
      message: 'the token signature does not verify',
    });
  });

  it('refuses alg none', async () => {
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'a', roles: ['admin'], exp: now() + 60 })}.`;
    expect(await rejection(tokens.verify(unsigned))).toMatchObject({ code: 'invalid-token' });
  });

  it('refuses algorithms other than HS256, even with the right secret', async () => {
    const hs512 = await forge({ sub: 'a', roles: ['staff'], exp: now() + 60 }, new TextEncoder().encode(SECRET), 'HS512');
    expect(await rejection(tokens.verify(hs512))).toMatchObject({ code: 'invalid-token', message: 'the token is signed with an algorithm this ledger does not accept' });
  });

  it('refuses garbage', async () => {
    expect(await rejection(tokens.verify('not-a-jwt'))).toMatchObject({ code: 'invalid-token', message: 'the token is malformed' });
  });

  it('refuses tokens without roles, with unknown roles or with a data subject lacking subject_id', async () => {
    const exp = now() + 60;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ sub: 'a', exp }, 'the token has no roles claim'],
      [{ sub: 'a', roles: 'staff', exp }, 'the token has no roles claim'],
      [{ sub: 'a', roles: [], exp }, 'at least one role is required'],
      [{ sub: 'a', roles: ['staff', 'root'], exp }, 'the token names an unknown role'],
      [{ sub: 'a', roles: ['data_subject'], exp }, 'a data_subject token must carry a subject id'],
      [{ sub: 'a', roles: ['data_subject', 'staff'], subject_id: 's1', exp }, 'the data_subject role cannot be combined with other roles'],
      [{ sub: '', roles: ['staff'], exp }, 'the token has no subject (sub)'],
    ];
    for (const [claims, message] of cases) {
      expect(await rejection(tokens.verify(await forge(claims)))).toMatchObject({ code: 'invalid-token', message });
    }
  });

  it('refuses to issue what it would refuse to accept', async () => {
    const cases: Array<[Parameters<TokenService['sign']>[0], RegExp]> = [
      [
        { sub: 'a', roles: ['staff', 'superuser'] },
        /unknown role "superuser"; roles are staff, front_desk, health_manager, customer_service, manager, compliance_officer, admin, auditor, ops, data_subject/,
      ],
      [{ sub: 'a', roles: [] }, /at least one role/],
      [{ sub: 'a', roles: ['data_subject'] }, /must carry a subject id/],
      [{ sub: 'a', roles: ['data_subject', 'ops'], subjectId: 's' }, /cannot be combined/],
      [{ sub: 'a', roles: ['staff'], subjectId: 's' }, /only for data_subject/],
      [{ sub: ' ', roles: ['staff'] }, /sub\) must not be empty/],
      [{ sub: 'a', roles: ['staff'], ttlSeconds: 0 }, /ttl must be a whole number/],
      [{ sub: 'a', roles: ['staff'], ttlSeconds: 1.5 }, /ttl must be a whole number/],
    ];
    for (const [request, message] of cases) {
      expect(await rejection(tokens.sign(request))).toMatchObject({ code: 'invalid-token-request', message: expect.stringMatching(message) });
    }
  });

  it('logs neither tokens nor the secret', async () => {
    const token = await tokens.sign({ sub: 'alice', roles: ['staff'] });
    await tokens.verify(token);
    await rejection(tokens.verify(`${token}x`));
    expect(lines.join('')).not.toContain(SECRET);
    expect(lines.join('')).not.toContain(token.split('.')[2]);
  });
});

describe('TokenService with issuer and audience', () => {
  const { tokens } = service({ jwtIssuer: 'https://id.example', jwtAudience: 'pi-ledger' });

  it('puts them in what it issues and requires them of what it accepts', async () => {
    expect(await tokens.verify(await tokens.sign({ sub: 'a', roles: ['ops'] }))).toMatchObject({ id: 'a', roles: ['ops'] });
    const exp = now() + 60;
    expect(await rejection(tokens.verify(await forge({ sub: 'a', roles: ['ops'], exp, aud: 'pi-ledger' })))).toMatchObject({
      code: 'invalid-token',
      message: expect.stringMatching(/"iss"/),
    });
    expect(await rejection(tokens.verify(await forge({ sub: 'a', roles: ['ops'], exp, iss: 'https://id.example', aud: 'other' })))).toMatchObject({
      code: 'invalid-token',
      message: expect.stringMatching(/"aud"/),
    });
  });
});

describe('TokenService with a public key', () => {
  const keyPairs = {
    RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    EdDSA: generateKeyPairSync('ed25519'),
  };
  const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

  it.each(Object.entries(keyPairs))('accepts %s tokens signed with the matching private key', async (alg, pair) => {
    const { tokens } = service({ jwtPublicKey: pem(pair.publicKey) });
    const token = await forge({ sub: 'idp-user', roles: ['auditor'], exp: now() + 60 }, pair.privateKey, alg);
    expect(await tokens.verify(token)).toMatchObject({ id: 'idp-user', roles: ['auditor'] });
  });

  it('refuses HS256 tokens, even one keyed with the public key itself (algorithm confusion)', async () => {
    const publicPem = pem(keyPairs.RS256.publicKey);
    const { tokens } = service({ jwtPublicKey: publicPem });
    for (const key of [new TextEncoder().encode(SECRET), new TextEncoder().encode(publicPem)]) {
      expect(await rejection(tokens.verify(await forge({ sub: 'a', roles: ['admin'], exp: now() + 60 }, key)))).toMatchObject({
        code: 'invalid-token',
        message: 'the token is signed with an algorithm this ledger does not accept',
      });
    }
  });

  it('refuses a token signed by another key', async () => {
    const { tokens } = service({ jwtPublicKey: pem(keyPairs.ES256.publicKey) });
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(await rejection(tokens.verify(await forge({ sub: 'a', roles: ['admin'], exp: now() + 60 }, stranger, 'ES256')))).toMatchObject({
      code: 'invalid-token',
      message: 'the token signature does not verify',
    });
  });

  it('issues nothing: the private key lives elsewhere', async () => {
    const { tokens } = service({ jwtPublicKey: pem(keyPairs.EdDSA.publicKey) });
    expect(await rejection(tokens.sign({ sub: 'a', roles: ['staff'] }))).toMatchObject({ code: 'invalid-token-request', message: expect.stringMatching(/LEDGER_JWT_PUBLIC_KEY/) });
  });
});

describe('TokenService with a JWKS URL', () => {
  const pair = generateKeyPairSync('ed25519');
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA', use: 'sig' };
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url !== '/jwks.json') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const signed = (claims: Record<string, unknown>, kid = 'k1') => new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid }).sign(pair.privateKey);

  it('verifies tokens with the published keys and refuses HS256 ones', async () => {
    const { tokens } = service({ jwtJwksUrl: `${url}/jwks.json` });
    expect(await tokens.verify(await signed({ sub: 'x', roles: ['ops'], exp: now() + 60 }))).toEqual({ id: 'x', roles: ['ops'] });
    expect(await rejection(tokens.verify(await forge({ sub: 'x', roles: ['ops'], exp: now() + 60 })))).toMatchObject({ code: 'invalid-token' });
    expect(await rejection(tokens.verify(await signed({ sub: 'x', roles: ['ops'], exp: now() + 60 }, 'unknown-kid')))).toMatchObject({
      code: 'invalid-token',
      message: 'no known key matches the token',
    });
  });

  it('says the keys are unavailable, not that the token is bad, when the JWKS cannot be fetched', async () => {
    const { tokens, lines } = service({ jwtJwksUrl: `${url}/missing.json` });
    expect(await rejection(tokens.verify(await signed({ sub: 'x', roles: ['ops'], exp: now() + 60 })))).toMatchObject({ code: 'authentication-unavailable' });
    expect(lines.join('')).toMatch(/could not be fetched/);
  });
});
