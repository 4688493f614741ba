import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './ledger-config';

describe('loadConfig', () => {
  it('defaults to the embedded database in ./.ledger-data on 127.0.0.1:3000', () => {
    expect(loadConfig({})).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, dataDir: resolve('.ledger-data'), logLevel: 'info' });
  });

  it('reads every documented variable', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://u:p@db:5432/ledger',
      LEDGER_DATA_DIR: '/var/lib/pi-ledger',
      LEDGER_MASTER_KEY: key,
      LEDGER_JWT_SECRET: 'x'.repeat(32),
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', databaseUrl: 'postgres://u:p@db:5432/ledger', dataDir: '/var/lib/pi-ledger', logLevel: 'debug' });
    expect(config.masterKey).toEqual(Buffer.alloc(32, 7));
  });

  it('lists every problem at once, one line per variable, never echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '70000', DATABASE_URL: 'mysql://root:hunter2@x', LEDGER_JWT_SECRET: 'short-secret', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT must be an integer from 0 to 65535 (got "70000")',
      'DATABASE_URL must be a postgres:// connection URL',
      'LEDGER_JWT_SECRET must be at least 32 characters',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => loadConfig({ LEDGER_MASTER_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/decodes to 16 bytes/);
  });

  describe('JWT verification options', () => {
    const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };

    it('reads a public key (also with its newlines written as \\n), issuer and audience', () => {
      const key = pem(generateKeyPairSync('ed25519').publicKey);
      const config = loadConfig({ LEDGER_JWT_PUBLIC_KEY: key.trim().replace(/\n/g, '\\n'), LEDGER_JWT_ISSUER: 'https://id.example', LEDGER_JWT_AUDIENCE: 'pi-ledger' });
      expect(config).toMatchObject({ jwtPublicKey: key.trim(), jwtIssuer: 'https://id.example', jwtAudience: 'pi-ledger', jwtJwksUrl: undefined });
    });

    it('reads a JWKS URL: https, or http on the loopback interface only', () => {
      expect(loadConfig({ LEDGER_JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json' }).jwtJwksUrl).toBe('https://id.example/.well-known/jwks.json');
      expect(loadConfig({ LEDGER_JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).jwtJwksUrl).toBe('http://127.0.0.1:8080/jwks');
      for (const url of ['http://id.example/jwks', 'http://localhost.evil.example/jwks', 'ftp://id.example/jwks', 'jwks.json']) {
        expect(problems({ LEDGER_JWT_JWKS_URL: url })).toEqual([`LEDGER_JWT_JWKS_URL must be an https:// URL (http:// only for localhost) (got ${JSON.stringify(url)})`]);
      }
    });

    it('refuses a public key that is no PEM, does not parse or cannot verify JWTs, without echoing it', () => {
      const expected = 'LEDGER_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----) of type RSA, EC (P-256, P-384, P-521) or Ed25519';
      const secp256k1 = pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey);
      expect(problems({ LEDGER_JWT_PUBLIC_KEY: 'ssh-ed25519 AAAAC3Nza' })).toEqual([expected]);
      expect(problems({ LEDGER_JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' })).toEqual([`${expected} (it does not parse)`]);
      expect(problems({ LEDGER_JWT_PUBLIC_KEY: pem(generateKeyPairSync('x25519').publicKey) })).toEqual([`${expected} (unsupported key type x25519)`]);
      expect(problems({ LEDGER_JWT_PUBLIC_KEY: secp256k1 })).toEqual([`${expected} (unsupported curve secp256k1)`]);
    });

    it('refuses a public key and a JWKS URL together', () => {
      expect(problems({ LEDGER_JWT_PUBLIC_KEY: pem(generateKeyPairSync('ed25519').publicKey), LEDGER_JWT_JWKS_URL: 'https://id.example/jwks' })).toEqual([
        'LEDGER_JWT_JWKS_URL must not be set together with LEDGER_JWT_PUBLIC_KEY (choose one way to verify tokens)',
      ]);
    });
  });
});
