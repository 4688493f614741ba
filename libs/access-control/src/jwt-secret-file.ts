import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { publishSecretFile } from '@pi-ledger/platform/files/secret-file';

export const JWT_SECRET_FILE = 'jwt.secret';
const MIN_SECRET_LENGTH = 32;

/**
 * The HS256 secret when LEDGER_JWT_SECRET is absent: `<dataDir>/jwt.secret` (48 random bytes,
 * base64url, mode 0600), created once and then shared by the API and the CLI through the data dir.
 * Its text is the secret, as LEDGER_JWT_SECRET's would be, so it can be moved into the environment.
 */
export async function loadOrCreateJwtSecret(dataDir: string, logger: Logger): Promise<string> {
  const path = join(dataDir, JWT_SECRET_FILE);
  const existing = await readSecret(path, logger);
  if (existing !== undefined) return existing;

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  // another process (API and CLI starting together) may get there first: then both use its secret
  if (!(await publishSecretFile(path, `${secret}\n`))) {
    const winner = await readSecret(path, logger);
    if (winner === undefined) throw new Error(`${path} vanished while it was being created`);
    return winner;
  }
  logger.warn(
    { path },
    'LEDGER_JWT_SECRET is not set: generated a JWT signing secret in the data directory (mode 0600). Keep it private; set LEDGER_JWT_SECRET to manage it yourself.',
  );
  return secret;
}

async function readSecret(path: string, logger: Logger): Promise<string | undefined> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = content.trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`${path} must hold a secret of at least ${MIN_SECRET_LENGTH} characters; delete it to have a new one generated`);
  }
  const { mode } = await stat(path);
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    logger.warn({ path, mode: (mode & 0o777).toString(8) }, 'the JWT secret file is accessible to other users; chmod 600 it');
  }
  return secret;
}
