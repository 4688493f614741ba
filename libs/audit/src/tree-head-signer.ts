import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from '@pi-ledger/event-store/payload-digest';

/** A signed tree head as the API returns it (api-contract.md, Audit). */
export interface SignedTreeHead {
  treeSize: number;
  /** Hex. */
  rootHash: string;
  /** ISO 8601, UTC, milliseconds: exactly the text that was signed. */
  timestamp: string;
  /** Base64 Ed25519 signature over `treeHeadSigningInput(...)`. */
  signature: string;
  keyId: string;
}

export interface AuditPublicKey {
  keyId: string;
  algorithm: 'Ed25519';
  publicKeyPem: string;
}

/** The exact bytes a tree head signature covers. */
export function treeHeadSigningInput(treeSize: number, rootHashHex: string, timestampIso: string): Buffer {
  return Buffer.from(`pi-ledger/tree-head/v1\n${treeSize}\n${rootHashHex}\n${timestampIso}`, 'utf8');
}

/** First 16 hex digits of SHA-256 over the public key's SubjectPublicKeyInfo (DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** An Ed25519 public key from its PEM (or any form createPublicKey takes); throws for other key types. */
export function auditPublicKeyFrom(key: string | KeyObject): KeyObject {
  const publicKey = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new TypeError(`the audit key must be Ed25519, not ${publicKey.asymmetricKeyType}`);
  return publicKey;
}

/** Whether `head` names `publicKey` and carries its valid signature. */
export function verifyTreeHead(head: SignedTreeHead, publicKey: KeyObject): { ok: true } | { ok: false; reason: 'key-id' | 'signature' } {
  if (head.keyId !== keyIdOf(publicKey)) return { ok: false, reason: 'key-id' };
  return verifyTreeHeadSignature(head, publicKey) ? { ok: true } : { ok: false, reason: 'signature' };
}

/** The signature alone (the key id is not looked at). */
export function verifyTreeHeadSignature(head: SignedTreeHead, publicKey: KeyObject): boolean {
  try {
    return verify(null, treeHeadSigningInput(head.treeSize, head.rootHash, head.timestamp), publicKey, Buffer.from(head.signature, 'base64'));
  } catch {
    return false; // a signature of the wrong length, say
  }
}

/**
 * Signs tree heads, and any other statement of the ledger (erasure certificates) as Ed25519 over
 * its RFC 8785 canonical JSON, with the audit key. Load it with `loadAuditSigningKey`.
 */
export class TreeHeadSigner {
  readonly keyId: string;
  /** The public half, for verifying. */
  readonly verificationKey: KeyObject;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new TypeError('the audit signing key must be an Ed25519 private key');
    }
    this.verificationKey = createPublicKey(privateKey);
    this.keyId = keyIdOf(this.verificationKey);
  }

  static fromPem(pem: string): TreeHeadSigner {
    return new TreeHeadSigner(createPrivateKey(pem));
  }

  /** A fresh key pair, in memory only. */
  static generate(): TreeHeadSigner {
    return new TreeHeadSigner(generateKeyPairSync('ed25519').privateKey);
  }

  publicKey(): AuditPublicKey {
    return { keyId: this.keyId, algorithm: 'Ed25519', publicKeyPem: this.verificationKey.export({ type: 'spki', format: 'pem' }).toString() };
  }

  sign(treeSize: number, rootHash: Buffer | string, timestamp: Date | string): SignedTreeHead {
    const rootHex = typeof rootHash === 'string' ? rootHash : rootHash.toString('hex');
    const iso = typeof timestamp === 'string' ? timestamp : timestamp.toISOString();
    if (!Number.isSafeInteger(treeSize) || treeSize < 0) throw new RangeError(`tree size must be a non-negative integer, got ${treeSize}`);
    if (!/^[0-9a-f]{64}$/.test(rootHex)) throw new RangeError('root hash must be 32 bytes (64 lower-case hex digits)');
    const signature = sign(null, treeHeadSigningInput(treeSize, rootHex, iso), this.privateKey).toString('base64');
    return { treeSize, rootHash: rootHex, timestamp: iso, signature, keyId: this.keyId };
  }

  /** Base64 Ed25519 signature over the RFC 8785 canonical JSON of `statement`. */
  signCanonical(statement: object): string {
    return sign(null, Buffer.from(canonicalJson(statement), 'utf8'), this.privateKey).toString('base64');
  }

  verifyCanonical(statement: object, signature: string): boolean {
    return verify(null, Buffer.from(canonicalJson(statement), 'utf8'), this.verificationKey, Buffer.from(signature, 'base64'));
  }
}
