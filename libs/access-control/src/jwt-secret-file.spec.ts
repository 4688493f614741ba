import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { JWT_SECRET_FILE, loadOrCreateJwtSecret } from './jwt-secret-file';
import { TokenService } from './token.service';

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('the generated jwt.secret', () => {
  let dataDir: string;
  beforeEach(async () => (dataDir = join(await mkdtemp(join(tmpdir(), 'pi-ledger-jwt-')), 'data')));
  afterEach(() => rm(join(dataDir, '..'), { recursive: true, force: true }));

  it('is 48 random bytes in base64url, mode 0600, announced by a warning that does not quote it', async () => {
    const { logger, lines } = capturingLogger();
    const secret = await loadOrCreateJwtSecret(dataDir, logger);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(48);
    const path = join(dataDir, JWT_SECRET_FILE);
    expect((await readFile(path, 'utf8')).trim()).toBe(secret);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const warnings = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 40);
    expect(warnings).toEqual([expect.objectContaining({ path, msg: expect.stringMatching(/LEDGER_JWT_SECRET is not set/) })]);
    expect(lines.join('')).not.toContain(secret);
  });

  it('is reused on the next open, without another warning', async () => {
    const first = await loadOrCreateJwtSecret(dataDir, capturingLogger().logger);
    const { logger, lines } = capturingLogger();
    expect(await loadOrCreateJwtSecret(dataDir, logger)).toBe(first);
    expect(lines).toEqual([]);
  });

  it('is one secret when several processes create it at once', async () => {
    const secrets = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateJwtSecret(dataDir, capturingLogger().logger)));
    expect(new Set(secrets).size).toBe(1);
    expect(await readdir(dataDir)).toEqual([JWT_SECRET_FILE]);
  });

  it('refuses a file too short to be a secret', async () => {
    await loadOrCreateJwtSecret(dataDir, capturingLogger().logger);
    await writeFile(join(dataDir, JWT_SECRET_FILE), 'short\n');
    await expect(loadOrCreateJwtSecret(dataDir, capturingLogger().logger)).rejects.toThrow(/at least 32 characters; delete it/);
  });

  it('warns when the file is readable by others', async () => {
    await loadOrCreateJwtSecret(dataDir, capturingLogger().logger);
    await chmod(join(dataDir, JWT_SECRET_FILE), 0o644);
    const { logger, lines } = capturingLogger();
    await loadOrCreateJwtSecret(dataDir, logger);
    expect(lines.join('')).toMatch(/accessible to other users; chmod 600/);
  });

  it('is what two token services on the same data dir share (the API and the CLI)', async () => {
    const api = new TokenService({ dataDir }, capturingLogger().logger);
    const cli = new TokenService({ dataDir }, capturingLogger().logger);
    await api.ready();
    const token = await cli.sign({ sub: 'ops-script', roles: ['ops'] });
    expect(await api.verify(token)).toMatchObject({ id: 'ops-script', roles: ['ops'] });
  });

  it('is neither created nor read when LEDGER_JWT_SECRET is set', async () => {
    const tokens = new TokenService({ dataDir, jwtSecret: 'x'.repeat(32) }, capturingLogger().logger);
    await tokens.ready();
    await expect(stat(join(dataDir, JWT_SECRET_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
