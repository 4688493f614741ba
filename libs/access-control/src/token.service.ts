import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { errors, JWTPayload, jwtVerify, JWTVerifyOptions, SignJWT } from 'jose';
import type { Logger } from 'pino';
import { LEDGER_CONFIG, LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import type { Actor } from './actor';
import { actorFromClaims, claimsToIssue, TokenRequest } from './token-claims';
import { TokenRejectedError, TokenRequestError } from './token.errors';
import { loadTokenKeys, TokenKeyConfig, TokenKeys } from './token-keys';

/** Clocks of issuer and ledger may differ a little; not more. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Now in the clock that stamps tokens (`iat`, `exp`) and that jose checks them against: the host's,
 * in seconds with milliseconds, so a revocation of an actor can tell a token issued just after it
 * from one issued just before. The ledger clock may be pinned (tests, drills); this one never is.
 */
export function tokenClockNow(): number {
  return Date.now() / 1000;
}

export type TokenServiceConfig = TokenKeyConfig & Pick<LedgerConfig, 'jwtIssuer' | 'jwtAudience'>;

/** Issues (HS256 only) and verifies the ledger's bearer tokens. Neither tokens nor keys are ever logged. */
@Injectable()
export class TokenService {
  private keys?: Promise<TokenKeys>;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: TokenServiceConfig,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  /** Loads the keys, generating `<dataDir>/jwt.secret` the first time if needed; the API does it at start. */
  async ready(): Promise<void> {
    await this.tokenKeys();
  }

  async sign(request: TokenRequest): Promise<string> {
    const { sub, claims, ttlSeconds } = claimsToIssue(request);
    const keys = await this.tokenKeys();
    if (keys.kind !== 'secret') {
      throw new TokenRequestError('tokens are verified with LEDGER_JWT_PUBLIC_KEY or LEDGER_JWT_JWKS_URL here: issue them where the private key lives');
    }
    const now = tokenClockNow();
    const jwt = new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds);
    if (this.config.jwtIssuer) jwt.setIssuer(this.config.jwtIssuer);
    if (this.config.jwtAudience) jwt.setAudience(this.config.jwtAudience);
    return jwt.sign(keys.key);
  }

  /** The actor a token stands for, or a TokenRejectedError saying why not. */
  async verify(token: string): Promise<Actor> {
    const keys = await this.tokenKeys();
    const options: JWTVerifyOptions = {
      algorithms: keys.algorithms,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'sub'],
      ...(this.config.jwtIssuer ? { issuer: this.config.jwtIssuer } : {}),
      ...(this.config.jwtAudience ? { audience: this.config.jwtAudience } : {}),
    };
    let payload: JWTPayload;
    try {
      ({ payload } = keys.kind === 'jwks' ? await jwtVerify(token, keys.keys, options) : await jwtVerify(token, keys.key, options));
    } catch (error) {
      throw this.rejection(error, keys);
    }
    // jose checks iat only with maxTokenAge: a token "issued" ahead of this host's clock would outlive an actor revocation's cut-off
    if (typeof payload.iat === 'number' && payload.iat > tokenClockNow() + CLOCK_TOLERANCE_SECONDS) {
      throw new TokenRejectedError('invalid-token', 'the token was issued in the future (iat): check the issuer’s clock');
    }
    return actorFromClaims(payload);
  }

  private tokenKeys(): Promise<TokenKeys> {
    if (!this.keys) {
      const loading = loadTokenKeys(this.config, this.logger);
      // a failed load (say, an unreadable secret file) is retried next time rather than remembered
      loading.catch(() => {
        if (this.keys === loading) this.keys = undefined;
      });
      this.keys = loading;
    }
    return this.keys;
  }

  private rejection(error: unknown, keys: TokenKeys): Error {
    if (error instanceof errors.JWTExpired) return new TokenRejectedError('token-expired', 'the token has expired');
    if (keys.kind === 'jwks' && jwksUnreachable(error)) {
      this.logger.warn({ err: error, jwksUrl: this.config.jwtJwksUrl }, 'the JSON Web Key Set could not be fetched');
      return new TokenRejectedError('authentication-unavailable', 'the keys that verify tokens cannot be fetched right now');
    }
    if (!(error instanceof errors.JOSEError)) return error as Error; // a fault here, not in the token
    return new TokenRejectedError('invalid-token', describe(error));
  }
}

function jwksUnreachable(error: unknown): boolean {
  return (
    !(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error.code === 'ERR_JOSE_GENERIC' // a non-200 answer from the JWKS endpoint
  );
}

function describe(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this ledger does not accept';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no known key matches the token';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token claims are invalid: ${error.message}`;
  return 'the token is malformed';
}
