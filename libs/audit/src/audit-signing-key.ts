import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { publishSecretFile } from '@pi-ledger/platform/files/secret-file';
import { TreeHeadSigner } from './tree-head-signer';

export const AUDIT_SIGNING_KEY_FILE = 'audit-signing-key.pem';

/**
 * Where the audit key comes from. `LedgerConfig` fits this shape: when the platform config gains an
 * `auditSigningKey` (a PEM from the environment) it is used; until then the data dir's key file.
 */
export interface AuditKeyConfig {
  readonly dataDir: string;
  /** PEM (PKCS#8) Ed25519 private key; `\n` written literally is accepted. */
  readonly auditSigningKey?: string;
}

/**
 * The audit signing key: `config.auditSigningKey` when set, otherwise `<dataDir>/audit-signing-key.pem`
 * (PKCS#8 PEM, mode 0600), generated with a WARNING on first use. Processes starting together agree
 * on one file: it is published with link(2), which fails when the name exists.
 */
export async function loadAuditSigningKey(config: AuditKeyConfig, logger: Pick<Logger, 'warn'>): Promise<TreeHeadSigner> {
  if (config.auditSigningKey) return signerFromPem(config.auditSigningKey.replace(/\\n/g, '\n'), 'the configured audit signing key');
  const path = join(config.dataDir, AUDIT_SIGNING_KEY_FILE);
  const existing = await readKeyFile(path, logger);
  if (existing) return existing;

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  if (!(await publishSecretFile(path, pem))) {
    const winner = await readKeyFile(path, logger);
    if (!winner) throw new Error(`${path} vanished while it was being created`);
    return winner;
  }
  const signer = TreeHeadSigner.fromPem(pem);
  logger.warn(
    { path, keyId: signer.keyId },
    'generated a new audit signing key (Ed25519) in the data directory (mode 0600). Tree heads and erasure certificates are ' +
      'signed with it: keep it private and back it up apart from the database; publish its public key to auditors.',
  );
  return signer;
}

async function readKeyFile(path: string, logger: Pick<Logger, 'warn'>): Promise<TreeHeadSigner | undefined> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const { mode } = await stat(path);
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    logger.warn({ path, mode: (mode & 0o777).toString(8) }, 'the audit signing key file is accessible to other users; chmod 600 it');
  }
  return signerFromPem(pem, path);
}

function signerFromPem(pem: string, what: string): TreeHeadSigner {
  try {
    return new TreeHeadSigner(createPrivateKey(pem));
  } catch {
    // never echo the key material
    throw new Error(`${what} must be an Ed25519 private key in PEM (PKCS#8, -----BEGIN PRIVATE KEY-----)`);
  }
}
