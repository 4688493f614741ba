import { createPublicKey, KeyObject, webcrypto } from 'node:crypto';
import { createRemoteJWKSet, JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { loadOrCreateJwtSecret } from './jwt-secret-file';

/** How tokens are checked: one way only, so an HS256 token never meets a public key (alg confusion). */
export type TokenKeys =
  | { kind: 'secret'; key: webcrypto.CryptoKey; algorithms: string[] }
  | { kind: 'public-key'; key: KeyObject; algorithms: string[] }
  | { kind: 'jwks'; keys: JWTVerifyGetKey; algorithms: string[] };

export type TokenKeyConfig = Pick<LedgerConfig, 'dataDir' | 'jwtSecret' | 'jwtPublicKey' | 'jwtJwksUrl'>;

const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const PSS = ['PS256', 'PS384', 'PS512'];
const EC_BY_CURVE: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const EDDSA = ['EdDSA', 'Ed25519'];
/** Whatever a JWKS holds, only asymmetric algorithms count: never HS*, never none. */
const JWKS_ALGORITHMS = [...RSA, 'ES256', 'ES384', 'ES512', ...EDDSA];

export async function loadTokenKeys(config: TokenKeyConfig, logger: Logger): Promise<TokenKeys> {
  if (config.jwtPublicKey || config.jwtJwksUrl) {
    if (config.jwtSecret) logger.warn('LEDGER_JWT_SECRET is ignored: tokens are verified with LEDGER_JWT_PUBLIC_KEY or LEDGER_JWT_JWKS_URL');
  }
  if (config.jwtPublicKey) {
    const key = createPublicKey(config.jwtPublicKey);
    return { kind: 'public-key', key, algorithms: algorithmsFor(key) };
  }
  if (config.jwtJwksUrl) {
    return { kind: 'jwks', keys: createRemoteJWKSet(new URL(config.jwtJwksUrl), { timeoutDuration: 5_000 }), algorithms: JWKS_ALGORITHMS };
  }
  const secret = config.jwtSecret ?? (await loadOrCreateJwtSecret(config.dataDir, logger));
  // imported once: given the raw bytes, jose imports the key into WebCrypto on every verification
  const key = await webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  return { kind: 'secret', key, algorithms: ['HS256'] };
}

/** The algorithms a public key can verify, by its type; everything else is refused. */
export function algorithmsFor(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return RSA;
    case 'rsa-pss':
      return PSS;
    case 'ed25519':
      return EDDSA;
    case 'ec': {
      const algorithm = EC_BY_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (algorithm) return [algorithm];
      throw new Error(`LEDGER_JWT_PUBLIC_KEY: unsupported curve ${key.asymmetricKeyDetails?.namedCurve}`);
    }
    default:
      throw new Error(`LEDGER_JWT_PUBLIC_KEY: unsupported key type ${key.asymmetricKeyType}`);
  }
}
