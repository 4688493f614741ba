import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 with the authenticator apps' defaults: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_ISSUER = 'pi-ledger';

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function otpauthUri(username: string, secret: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: username, secret });
}

/**
 * The time step of a valid code at `now` (the ledger's clock), one step early or late allowed for
 * clock drift; null when it is wrong, or of a step at or before `usedUpTo` (a code is good once).
 */
export async function acceptedTimeStep(secret: string, code: string, now: Date, usedUpTo: number | null): Promise<number | null> {
  try {
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(now.getTime() / 1000),
      epochTolerance: TOTP_PERIOD_SECONDS,
      ...(usedUpTo === null ? {} : { afterTimeStep: usedUpTo }),
    });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  } catch {
    return null;
  }
}
