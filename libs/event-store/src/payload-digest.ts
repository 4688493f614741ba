import { hash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import { JsonValue } from './event-store.port';

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation: keys sorted by UTF-16 code units, strings
 * and numbers as ECMAScript's JSON.stringify writes them. safe-stable-stringify with sorted keys
 * writes exactly that for every JSON value (payload-digest.spec.ts holds it to the `canonicalize`
 * reference implementation) at about half its cost, which every append pays once per event;
 * `strict` makes it throw, rather than guess, on what JSON cannot hold (NaN, functions, cycles).
 */
const canonically = configure({ deterministic: true, strict: true, bigint: false, circularValue: Error });

/** RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. */
export function canonicalJson(value: JsonValue | object): string {
  const text = canonically(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalised as JSON');
  return text;
}

export function sha256(bytes: string | Buffer): Buffer {
  return hash('sha256', bytes, 'buffer');
}

/** Hex SHA-256 of a string's UTF-8 bytes, without a Buffer in between. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** SHA-256 of the canonical JSON of an event's data: the audit trail commits to this. */
export function payloadDigest(data: JsonValue | object): Buffer {
  return sha256(canonicalJson(data));
}
