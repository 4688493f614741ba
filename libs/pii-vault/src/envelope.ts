import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

/** AES-256-GCM with a 12-byte random IV and a 16-byte tag: for field values and for wrapped keys. */
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  iv: Buffer;
  ct: Buffer;
  tag: Buffer;
}

/**
 * IVs are cut from a block of CSPRNG output filled 256 IVs at a time: one call into OpenSSL instead
 * of one per value sealed (a registration seals about twenty). Each IV is still 96 fresh random
 * bits, used once; IVs are not secret, so the block needs no wiping.
 */
const IV_BLOCK = Buffer.allocUnsafeSlow(IV_BYTES * 256);
let ivOffset = IV_BLOCK.length;

function nextIv(): Buffer {
  if (ivOffset === IV_BLOCK.length) {
    randomFillSync(IV_BLOCK);
    ivOffset = 0;
  }
  const iv = Buffer.from(IV_BLOCK.subarray(ivOffset, ivOffset + IV_BYTES)); // a copy: the block is refilled
  ivOffset += IV_BYTES;
  return iv;
}

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ct, tag: cipher.getAuthTag() };
}

/** Throws when the key, the AAD, the IV, the ciphertext or the tag is not the one sealed. */
export function open(key: Buffer, sealed: Sealed, aad: Buffer): Buffer {
  if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) throw new Error('malformed envelope');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ct), decipher.final()]);
}

/** A wrapped key as stored: iv ‖ ciphertext ‖ tag (12 + 32 + 16 = 60 bytes for a data key). */
export function wrapKey(kek: Buffer, key: Buffer, aad: Buffer): Buffer {
  const { iv, ct, tag } = seal(kek, key, aad);
  return Buffer.concat([iv, ct, tag]);
}

export function unwrapKey(kek: Buffer, wrapped: Buffer, aad: Buffer): Buffer {
  const iv = wrapped.subarray(0, IV_BYTES);
  const ct = wrapped.subarray(IV_BYTES, wrapped.length - TAG_BYTES);
  const tag = wrapped.subarray(wrapped.length - TAG_BYTES);
  return open(kek, { iv, ct, tag }, aad);
}

/**
 * The additional authenticated data. Parts are joined by newlines, so none may contain one: that
 * keeps every context unambiguous ("a\nb" + "c" cannot pass for "a" + "b\nc").
 */
export function aad(label: string, parts: readonly string[]): Buffer {
  for (const part of parts) {
    if (part.length === 0 || part.includes('\n')) throw new TypeError('context parts must be non-empty and hold no newline');
  }
  return Buffer.from([label, ...parts].join('\n'), 'utf8');
}

export const FIELD_AAD_LABEL = 'pi-ledger/v1';
export const DATA_KEY_AAD_LABEL = 'pi-ledger/v1/data-key';
export const SECRET_AAD_LABEL = 'pi-ledger/v1/vault-secret';

export function dataKeyAad(keyId: string, subjectId: string, category: string): Buffer {
  return aad(DATA_KEY_AAD_LABEL, [keyId, subjectId, category]);
}

export function secretAad(name: string): Buffer {
  return aad(SECRET_AAD_LABEL, [name]);
}
