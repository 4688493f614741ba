import { randomBytes } from 'node:crypto';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';

/**
 * argon2id at OWASP's minimum recommended cost (Password Storage Cheat Sheet: m = 19 MiB, t = 2,
 * p = 1). A login then costs one hash, tens of milliseconds of one core (bench:auth measures it).
 */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;
/** argon2 takes any length; a bound keeps one request from costing more than the rest. */
export const MAX_PASSWORD_LENGTH = 256;

/** The zxcvbn-ts list of common passwords (about 49,000 from leaked sets, the top 10,000 among them), lower-cased. */
const COMMON = new Set(dictionary['passwords-common'].map((word) => word.toLowerCase()));

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** False for a wrong password and for a hash that is not one (never throws on input). */
export async function verifyPassword(encoded: string, password: string): Promise<boolean> {
  try {
    return await verify(encoded, password);
  } catch {
    return false;
  }
}

/**
 * A hash of nothing anyone knows, verified when the username is unknown (or has no usable hash), so
 * that an unknown user costs the same hash as a wrong password and answers as late.
 */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(24).toString('base64url'));
  return dummy;
}

/** Refuses a password shorter than 12, longer than 256, in the common-password list, or containing the username. */
export function assertPasswordPolicy(password: string, username: string, path = 'newPassword'): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new InvalidInput([{ path, message: problem }]);
}

function passwordProblem(password: string, username: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return 'is one of the most common passwords';
  if (username.length >= 3 && lower.includes(username.toLowerCase())) return 'must not contain the username';
  if (new Set(password).size < 4) return 'must not repeat so few characters';
  return undefined;
}

/** A one-time password an admin hands over: 20 characters from 120 random bits, easy to type (no 0/O, 1/l/I). */
export function generateOneTimePassword(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(40);
  let out = '';
  for (const byte of bytes) {
    if (byte >= alphabet.length * Math.floor(256 / alphabet.length)) continue; // no modulo bias
    out += alphabet[byte % alphabet.length];
    if (out.length === 20) return out;
  }
  return out.length === 20 ? out : generateOneTimePassword();
}
