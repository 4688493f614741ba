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
});
