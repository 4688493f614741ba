/**
 * Checks, in the browser, what the audit API claims: a signed tree head's Ed25519 signature under
 * the audit public key, and an event's inclusion proof against that head (RFC 6962 / RFC 9162).
 */

export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array<ArrayBuffer>> {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

/** Leaf hash of an event's commitment: SHA-256(0x00 ‖ UTF-8 bytes). */
export function leafHash(commitment: string): Promise<Uint8Array<ArrayBuffer>> {
  return sha256(new Uint8Array([0]), new TextEncoder().encode(commitment));
}

const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(new Uint8Array([1]), left, right);

/** RFC 9162 §2.1.3.2: the root an audit path leads to, or undefined when the path does not fit. */
export async function rootFromInclusionProof(leafIndex: number, treeSize: number, leaf: Uint8Array, auditPath: Uint8Array[]): Promise<Uint8Array | undefined> {
  if (leafIndex < 0 || leafIndex >= treeSize) return undefined;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of auditPath) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const base64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** The tree head's signature: Ed25519 over `pi-ledger/tree-head/v1\n<size>\n<root>\n<timestamp>`. */
export async function verifyTreeHead(head: { treeSize: number; rootHash: string; timestamp: string; signature: string }, publicKeyPem: string): Promise<boolean> {
  const key = await crypto.subtle.importKey('spki', pemBody(publicKeyPem), { name: 'Ed25519' }, false, ['verify']);
  const message = new TextEncoder().encode(`pi-ledger/tree-head/v1\n${head.treeSize}\n${head.rootHash}\n${head.timestamp}`);
  const signature = Uint8Array.from(atob(head.signature), (c) => c.charCodeAt(0));
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
}
