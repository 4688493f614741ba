import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { JsonValue } from './event-store.port';

/** RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. */
export function canonicalJson(value: JsonValue | object): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalised as JSON');
  return text;
}

export function sha256(bytes: string | Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** SHA-256 of the canonical JSON of an event's data: the audit trail commits to this. */
export function payloadDigest(data: JsonValue | object): Buffer {
  return sha256(canonicalJson(data));
}
