import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_SIGNING_KEY_FILE, loadAuditSigningKey } from './audit-signing-key';
import { auditPublicKeyFrom, keyIdOf, TreeHeadSigner, treeHeadSigningInput, verifyTreeHead } from './tree-head-signer';

const ROOT = 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77';

describe('TreeHeadSigner', () => {
  const signer = TreeHeadSigner.generate();

  it('signs exactly `pi-ledger/tree-head/v1\\n<treeSize>\\n<rootHash hex>\\n<timestamp ISO>` with Ed25519', () => {
    const head = signer.sign(3, Buffer.from(ROOT, 'hex'), new Date('2025-11-23T08:00:00.5Z'));
    expect(head).toEqual({ treeSize: 3, rootHash: ROOT, timestamp: '2025-11-23T08:00:00.500Z', signature: expect.any(String), keyId: signer.keyId });
    expect(treeHeadSigningInput(3, ROOT, head.timestamp).toString('utf8')).toBe(`pi-ledger/tree-head/v1\n3\n${ROOT}\n2025-11-23T08:00:00.500Z`);
    // an outside verifier: only the published PEM and the documented message
    const publicKey = createPublicKey(signer.publicKey().publicKeyPem);
    const message = Buffer.from(`pi-ledger/tree-head/v1\n3\n${ROOT}\n2025-11-23T08:00:00.500Z`, 'utf8');
    const signature = Buffer.from(head.signature, 'base64');
    expect(signature).toHaveLength(64);
    expect(verify(null, message, publicKey, signature)).toBe(true);
    expect(verifyTreeHead(head, publicKey)).toEqual({ ok: true });
  });

  it('fails verification when any signed field changes, or the key is another', () => {
    const head = signer.sign(3, ROOT, '2025-11-23T08:00:00.500Z');
    const key = signer.verificationKey;
    expect(verifyTreeHead({ ...head, treeSize: 4 }, key)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyTreeHead({ ...head, rootHash: ROOT.replace('a', 'b') }, key)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyTreeHead({ ...head, timestamp: '2025-11-23T08:00:00.501Z' }, key)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyTreeHead({ ...head, signature: 'AAAA' }, key)).toEqual({ ok: false, reason: 'signature' });
    expect(verifyTreeHead(head, TreeHeadSigner.generate().verificationKey)).toEqual({ ok: false, reason: 'key-id' });
  });

  it('names its key by the first 16 hex digits of SHA-256 over the SubjectPublicKeyInfo DER', () => {
    const der = createPublicKey(signer.publicKey().publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(signer.keyId).toBe(createHash('sha256').update(der).digest('hex').slice(0, 16));
    expect(signer.publicKey()).toEqual({ keyId: signer.keyId, algorithm: 'Ed25519', publicKeyPem: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----\n/) });
    expect(keyIdOf(signer.verificationKey)).toBe(signer.keyId);
  });

  it('signs any statement over its RFC 8785 canonical JSON (erasure certificates)', () => {
    const certificate = { requestId: 'r-1', erasedCategories: ['health', 'contact'], treeHead: { treeSize: 3, rootHash: ROOT } };
    const signature = signer.signCanonical(certificate);
    const canonical = '{"erasedCategories":["health","contact"],"requestId":"r-1","treeHead":{"rootHash":"' + ROOT + '","treeSize":3}}';
    expect(verify(null, Buffer.from(canonical), createPublicKey(signer.publicKey().publicKeyPem), Buffer.from(signature, 'base64'))).toBe(true);
    expect(signer.verifyCanonical({ treeHead: certificate.treeHead, requestId: 'r-1', erasedCategories: ['health', 'contact'] }, signature)).toBe(true);
    expect(signer.verifyCanonical({ ...certificate, requestId: 'r-2' }, signature)).toBe(false);
  });

  it('refuses keys that are not Ed25519 and malformed heads', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => new TreeHeadSigner(rsa.privateKey)).toThrow(/Ed25519/);
    expect(() => auditPublicKeyFrom(rsa.publicKey)).toThrow(/Ed25519/);
    expect(() => signer.sign(-1, ROOT, new Date())).toThrow(RangeError);
    expect(() => signer.sign(1, 'abc', new Date())).toThrow(RangeError);
  });
});

describe('loadAuditSigningKey', () => {
  let dataDir: string;
  const warnings: unknown[][] = [];
  const logger = { warn: (...args: unknown[]) => void warnings.push(args) };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pi-ledger-audit-'));
    warnings.length = 0;
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('generates <dataDir>/audit-signing-key.pem (PKCS#8, mode 0600) with a warning, then keeps using it', async () => {
    const first = await loadAuditSigningKey({ dataDir }, logger);
    const path = join(dataDir, AUDIT_SIGNING_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0][0]).toEqual({ path, keyId: first.keyId });
    expect(String(warnings[0][1])).toMatch(/generated a new audit signing key/);

    const again = await loadAuditSigningKey({ dataDir }, logger);
    expect(again.keyId).toBe(first.keyId);
    expect(warnings).toHaveLength(1);
  });

  it('agrees on one key when several processes start at once', async () => {
    const signers = await Promise.all(Array.from({ length: 6 }, () => loadAuditSigningKey({ dataDir }, logger)));
    expect(new Set(signers.map((s) => s.keyId)).size).toBe(1);
  });

  it('uses the configured PEM (newlines may be written as \\n) and writes no file', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const signer = await loadAuditSigningKey({ dataDir, auditSigningKey: pem.replace(/\n/g, '\\n') }, logger);
    expect(signer.keyId).toBe(TreeHeadSigner.fromPem(pem).keyId);
    expect(() => statSync(join(dataDir, AUDIT_SIGNING_KEY_FILE))).toThrow();
    expect(warnings).toHaveLength(0);
  });

  it('fails clearly, without echoing the file, when the key file holds something else', async () => {
    writeFileSync(join(dataDir, AUDIT_SIGNING_KEY_FILE), 'not-a-key-hunter2\n', { mode: 0o600 });
    const error = await loadAuditSigningKey({ dataDir }, logger).then(
      () => undefined,
      (failure: Error) => failure,
    );
    expect(error?.message).toMatch(/audit-signing-key\.pem must be an Ed25519 private key in PEM/);
    expect(error?.message).not.toContain('hunter2');
  });

  it('warns when the key file is readable by others', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dataDir, AUDIT_SIGNING_KEY_FILE), pem, { mode: 0o644 });
    await loadAuditSigningKey({ dataDir }, logger);
    expect(String(warnings[0]?.[1])).toMatch(/chmod 600/);
  });
});
