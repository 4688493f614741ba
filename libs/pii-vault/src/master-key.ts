import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import type { Logger } from '@pi-ledger/platform/logging/logger';
import { publishSecretFile } from '@pi-ledger/platform/files/secret-file';
import { KEY_BYTES } from './envelope';

export const MASTER_KEY_FILE = 'master.key';

/** The key-encryption key (KEK) and where it came from. */
export interface MasterKey {
  readonly key: Buffer;
  readonly kekId: string;
  readonly source: 'env' | 'file';
  /** The key file, when source = file. */
  readonly path?: string;
}

/**
 * The KEK's public name, stored with every key it wraps: the first 16 hex digits of its SHA-256,
 * so an operator can compute it too: `base64 -d < master.key | sha256sum | cut -c1-16`.
 */
export function kekIdOf(kek: Buffer): string {
  return createHash('sha256').update(kek).digest('hex').slice(0, 16);
}

export function generateKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * `count` fresh keys from one call into the CSPRNG (each call costs a few µs whatever its size,
 * and a registration makes five); each key its own Buffer, the shared block wiped.
 */
export function generateKeys(count: number): Buffer[] {
  const block = randomBytes(KEY_BYTES * count);
  const keys = Array.from({ length: count }, (_, i) => {
    const key = Buffer.allocUnsafeSlow(KEY_BYTES); // memory of its own, as randomBytes gives, not Buffer's shared pool
    block.copy(key, 0, i * KEY_BYTES, (i + 1) * KEY_BYTES);
    return key;
  });
  block.fill(0);
  return keys;
}

/** A key as text: base64 of 32 bytes, surrounding whitespace ignored. Errors never echo the text. */
export function parseKey(text: string, what: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== KEY_BYTES) {
    throw new Error(`${what} must hold ${KEY_BYTES} bytes, base64-encoded (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

export async function readKeyFile(path: string, logger?: Logger): Promise<Buffer> {
  const mode = (await stat(path)).mode;
  if (logger && (mode & 0o077) !== 0) {
    logger.warn({ path, mode: (mode & 0o777).toString(8) }, 'key file is readable by group or others; chmod 600 it');
  }
  return parseKey(await readFile(path, 'utf8'), path);
}

/**
 * `config.masterKey` (LEDGER_MASTER_KEY) when set; otherwise `<dataDir>/master.key`, generated on
 * first use. Two processes starting at once agree on one file: it is published with link(2),
 * which fails if the name exists, so nobody ever reads a half-written key.
 */
export async function loadMasterKey(config: Pick<LedgerConfig, 'masterKey' | 'dataDir'>, logger: Logger): Promise<MasterKey> {
  if (config.masterKey) return { key: config.masterKey, kekId: kekIdOf(config.masterKey), source: 'env' };
  const path = join(config.dataDir, MASTER_KEY_FILE);
  await mkdir(config.dataDir, { recursive: true });
  const generated = generateKey();
  if (await publishKeyFile(path, generated)) {
    logger.warn(
      { path, kekId: kekIdOf(generated) },
      'generated a new master key in the data directory; in production supply it via LEDGER_MASTER_KEY ' + 'instead, kept apart from the database and its backups',
    );
    return { key: generated, kekId: kekIdOf(generated), source: 'file', path };
  }
  const key = await readKeyFile(path, logger);
  logger.warn({ path }, 'master key read from the data directory; in production supply it via LEDGER_MASTER_KEY');
  return { key, kekId: kekIdOf(key), source: 'file', path };
}

/** Creates `path` holding `key` (mode 0600) unless it exists; true when this call created it. */
export async function publishKeyFile(path: string, key: Buffer): Promise<boolean> {
  return publishSecretFile(path, `${key.toString('base64')}\n`);
}

/**
 * Moves the key file `staged` to `path` (rename, atomic), first keeping the current `path` as
 * `keepAs` through a hard link: at every instant `path` holds either the old or the new key.
 */
export async function installKeyFile(path: string, staged: string, keepAs: string): Promise<void> {
  await link(path, keepAs);
  await rename(staged, path);
  const directory = await open(dirname(path), constants.O_RDONLY);
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
