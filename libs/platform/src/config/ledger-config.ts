import { createPublicKey, KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBase64, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
// a PEM often reaches the environment on one line, with its newlines written as \n
const toPem = ({ value }: { value: unknown }) => (typeof value === 'string' && value !== '' ? value.replace(/\\n/g, '\n').trim() : emptyToUndefined({ value }));
const PEM_PUBLIC_KEY = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----$/;
const JWT_KEY_TYPES = ['rsa', 'rsa-pss', 'ec', 'ed25519'];
const JWT_EC_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'];
// plain http only on the loopback interface (a local identity provider, tests)
// CORS: a comma-separated list of exact origins (scheme://host[:port]), no wildcard
const CORS_ORIGINS = /^https?:\/\/[^\s,/]+(,https?:\/\/[^\s,/]+)*$/;
/** IPv4/IPv6 addresses or CIDR ranges, comma-separated (what proxy-addr, behind Fastify's trustProxy, takes). */
const PROXY_ENTRY = String.raw`(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(\/\d{1,3})?`;
const TRUSTED_PROXIES = new RegExp(`^${PROXY_ENTRY}(,${PROXY_ENTRY})*$`);
const HTTPS_OR_LOOPBACK = /^(https:\/\/|http:\/\/(localhost|127\.0\.0\.1|\[::1\])([:/?#]|$))/;

/** The environment, as documented in the README. Names are the variables themselves. */
class LedgerEnvironment {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  HOST?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\/\S+$/)
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  LEDGER_DATA_DIR?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsBase64()
  LEDGER_MASTER_KEY?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @MinLength(32)
  LEDGER_JWT_SECRET?: string;

  @IsOptional()
  @Transform(toPem)
  @Matches(PEM_PUBLIC_KEY)
  LEDGER_JWT_PUBLIC_KEY?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl({ protocols: ['https', 'http'], require_protocol: true, require_tld: false })
  @Matches(HTTPS_OR_LOOPBACK)
  LEDGER_JWT_JWKS_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  LEDGER_JWT_ISSUER?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  LEDGER_JWT_AUDIENCE?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn([...LOG_LEVELS])
  LOG_LEVEL?: LogLevel;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  LEDGER_EMBEDDED_PG_PORT?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  LEDGER_DB_POOL_SIZE?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsIn(['in-process', 'external'])
  LEDGER_PROJECTOR?: 'in-process' | 'external';

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(90)
  LEDGER_RIGHTS_DUE_WORKING_DAYS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\d{4}-\d{2}-\d{2}(,\d{4}-\d{2}-\d{2})*$/)
  LEDGER_HOLIDAYS?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  LEDGER_LOOKUP_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  LEDGER_LOOKUP_ALERT_PER_HOUR?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  LEDGER_EXPORT_MAX_ROWS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  LEDGER_HTTP_REQUEST_TIMEOUT_SECONDS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(1000)
  LEDGER_REVOCATION_REFRESH_MS?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  LEDGER_AUTH_RATE_LIMIT_PER_IP?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  LEDGER_AUTH_RATE_LIMIT_PER_USERNAME?: number;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  LEDGER_AUTH_RATE_LIMIT_WINDOW_SECONDS?: number;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(CORS_ORIGINS)
  LEDGER_CORS_ORIGINS?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(TRUSTED_PROXIES)
  LEDGER_TRUST_PROXY?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  LEDGER_TLS_CERT_FILE?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  LEDGER_TLS_KEY_FILE?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[a-z_]+(,[a-z_]+)*$/)
  LEDGER_MFA_REQUIRED_ROLES?: string;
}

/** One line per bad variable; secrets are never echoed. */
const EXPECTED: Record<keyof LedgerEnvironment, string> = {
  PORT: 'an integer from 0 to 65535',
  HOST: 'a host name or IP address',
  DATABASE_URL: 'a postgres:// connection URL',
  LEDGER_DATA_DIR: 'a directory path',
  LEDGER_MASTER_KEY: '32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)',
  LEDGER_JWT_SECRET: 'at least 32 characters',
  LEDGER_JWT_PUBLIC_KEY: 'a PEM public key (-----BEGIN PUBLIC KEY-----) of type RSA, EC (P-256, P-384, P-521) or Ed25519',
  LEDGER_JWT_JWKS_URL: 'an https:// URL (http:// only for localhost)',
  LEDGER_JWT_ISSUER: 'a string',
  LEDGER_JWT_AUDIENCE: 'a string',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
  LEDGER_EMBEDDED_PG_PORT: 'an integer from 0 to 65535',
  LEDGER_DB_POOL_SIZE: 'an integer from 1 to 200',
  LEDGER_PROJECTOR: 'in-process (the API runs the projections) or external (apps/projector workers do)',
  LEDGER_RIGHTS_DUE_WORKING_DAYS: 'an integer from 1 to 90',
  LEDGER_HOLIDAYS: 'a comma-separated list of dates, e.g. 2026-10-01,2026-10-02',
  LEDGER_LOOKUP_LIMIT_PER_MINUTE: 'an integer from 0 (no limit) to 10000',
  LEDGER_LOOKUP_ALERT_PER_HOUR: 'an integer from 0 (no alerts) to 1000000',
  LEDGER_EXPORT_MAX_ROWS: 'an integer from 1 to 1000000',
  LEDGER_HTTP_REQUEST_TIMEOUT_SECONDS: 'an integer from 1 to 600',
  LEDGER_REVOCATION_REFRESH_MS: 'an integer from 50 to 1000',
  LEDGER_AUTH_RATE_LIMIT_PER_IP: 'an integer from 0 (no limit) to 100000',
  LEDGER_AUTH_RATE_LIMIT_PER_USERNAME: 'an integer from 0 (no limit) to 100000',
  LEDGER_AUTH_RATE_LIMIT_WINDOW_SECONDS: 'an integer from 1 to 86400',
  LEDGER_CORS_ORIGINS: 'a comma-separated list of origins, e.g. https://console.example.cn,https://ops.example.cn',
  LEDGER_TRUST_PROXY: 'the reverse proxies in front of the ledger: comma-separated addresses or CIDR ranges, e.g. 127.0.0.1,10.0.0.0/8',
  LEDGER_TLS_CERT_FILE: 'a file path (PEM certificate chain)',
  LEDGER_TLS_KEY_FILE: 'a file path (PEM private key)',
  LEDGER_MFA_REQUIRED_ROLES: 'roles separated by commas, e.g. admin,health_manager',
};
// the public key is no secret, but a PEM echoed into an error message helps nobody
const SECRET = new Set(['DATABASE_URL', 'LEDGER_MASTER_KEY', 'LEDGER_JWT_SECRET', 'LEDGER_JWT_PUBLIC_KEY']);

export interface LedgerConfig {
  readonly port: number;
  readonly host: string;
  /** Absent: the embedded PostgreSQL server in `<dataDir>/pg` is used. */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly masterKey?: Buffer;
  readonly jwtSecret?: string;
  /** PEM: tokens are verified with this key (RS/PS/ES/EdDSA by its type); HS256 tokens are refused. */
  readonly jwtPublicKey?: string;
  /** Tokens are verified with this JSON Web Key Set (asymmetric algorithms only); HS256 tokens are refused. */
  readonly jwtJwksUrl?: string;
  /** When set, tokens must carry this `iss` (and issued ones do). */
  readonly jwtIssuer?: string;
  /** When set, tokens must carry this `aud` (and issued ones do). */
  readonly jwtAudience?: string;
  readonly logLevel: LogLevel;
  /** 0 = pick a free port the first time, then keep it. */
  readonly embeddedPgPort: number;
  readonly dbPoolSize: number;
  /** Where projections run: inside the API (default) or in `npm run projector` workers. */
  readonly projector: 'in-process' | 'external';
  /** Rights requests are due this many working days after receipt (PIPL Art. 50: "timely"). */
  readonly rightsDueWorkingDays: number;
  /** Public holidays not counted as working days. */
  readonly holidays: readonly string[];
  /** Personal-data look-ups (profile reads, searches) one actor may make per minute; 0 = no limit. */
  readonly lookupLimitPerMinute: number;
  /** Customers' records shown to one actor (access records) within a clock hour past which a bulk-look-up alert is recorded; 0 = none. */
  readonly lookupAlertPerHour: number;
  /** The most customers one bulk export (POST /v1/exports) may match; more is refused (422 export-too-large). */
  readonly exportMaxRows: number;
  /** A request (headers and body) not fully received within this many seconds is cut off with 408. */
  readonly httpRequestTimeoutSeconds: number;
  /** How often each process re-reads revocations besides LISTEN (the bound on a missed notification). */
  readonly revocationRefreshMs: number;
  /** Requests to an @AuthRateLimit() route per client IP, and per username where the body names one, per window; 0 = no limit. */
  readonly authRateLimit: { readonly perIp: number; readonly perUsername: number; readonly windowSeconds: number };
  /** Origins allowed to call the API from a browser; empty = CORS off. */
  readonly corsOrigins: readonly string[];
  /** Reverse proxies whose X-Forwarded-For is believed (the client address of rate limits and sign-in history); empty: none. */
  readonly trustProxy: readonly string[];
  /** HTTPS (and HSTS) when both are set. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Staff holding any of these roles must sign in with TOTP; absent: the default list (staff-account.decider.ts). */
  readonly mfaRequiredRoles?: readonly string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment and fails fast with every problem listed at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const parsed = plainToInstance(LedgerEnvironment, { ...env }, { excludeExtraneousValues: false });
  const invalid = new Set(validateSync(parsed, { forbidUnknownValues: false }).map((error) => error.property));
  const problems = Object.entries(EXPECTED)
    .filter(([name]) => invalid.has(name))
    .map(([name, expected]) => `${name} must be ${expected}${SECRET.has(name) ? '' : ` (got ${JSON.stringify(env[name])})`}`);
  const masterKey = parsed.LEDGER_MASTER_KEY ? Buffer.from(parsed.LEDGER_MASTER_KEY, 'base64') : undefined;
  if (masterKey && masterKey.length !== 32 && !invalid.has('LEDGER_MASTER_KEY')) {
    problems.push(`LEDGER_MASTER_KEY must be ${EXPECTED.LEDGER_MASTER_KEY} (it decodes to ${masterKey.length} bytes)`);
  }
  const publicKeyProblem = parsed.LEDGER_JWT_PUBLIC_KEY && !invalid.has('LEDGER_JWT_PUBLIC_KEY') ? jwtPublicKeyProblem(parsed.LEDGER_JWT_PUBLIC_KEY) : undefined;
  if (publicKeyProblem) problems.push(`LEDGER_JWT_PUBLIC_KEY must be ${EXPECTED.LEDGER_JWT_PUBLIC_KEY} (${publicKeyProblem})`);
  if (parsed.LEDGER_JWT_PUBLIC_KEY && parsed.LEDGER_JWT_JWKS_URL) {
    problems.push('LEDGER_JWT_JWKS_URL must not be set together with LEDGER_JWT_PUBLIC_KEY (choose one way to verify tokens)');
  }
  if (!parsed.LEDGER_TLS_CERT_FILE !== !parsed.LEDGER_TLS_KEY_FILE) problems.push('LEDGER_TLS_CERT_FILE and LEDGER_TLS_KEY_FILE must be set together (or neither)');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: parsed.PORT ?? 3000,
    host: parsed.HOST ?? '127.0.0.1',
    databaseUrl: parsed.DATABASE_URL,
    dataDir: resolve(parsed.LEDGER_DATA_DIR ?? '.ledger-data'),
    masterKey,
    jwtSecret: parsed.LEDGER_JWT_SECRET,
    jwtPublicKey: parsed.LEDGER_JWT_PUBLIC_KEY,
    jwtJwksUrl: parsed.LEDGER_JWT_JWKS_URL,
    jwtIssuer: parsed.LEDGER_JWT_ISSUER,
    jwtAudience: parsed.LEDGER_JWT_AUDIENCE,
    logLevel: parsed.LOG_LEVEL ?? 'info',
    embeddedPgPort: parsed.LEDGER_EMBEDDED_PG_PORT ?? 0,
    dbPoolSize: parsed.LEDGER_DB_POOL_SIZE ?? 20,
    projector: parsed.LEDGER_PROJECTOR ?? 'in-process',
    rightsDueWorkingDays: parsed.LEDGER_RIGHTS_DUE_WORKING_DAYS ?? 15,
    holidays: parsed.LEDGER_HOLIDAYS ? parsed.LEDGER_HOLIDAYS.split(',') : [],
    lookupLimitPerMinute: parsed.LEDGER_LOOKUP_LIMIT_PER_MINUTE ?? 60,
    lookupAlertPerHour: parsed.LEDGER_LOOKUP_ALERT_PER_HOUR ?? 200,
    exportMaxRows: parsed.LEDGER_EXPORT_MAX_ROWS ?? 10_000,
    httpRequestTimeoutSeconds: parsed.LEDGER_HTTP_REQUEST_TIMEOUT_SECONDS ?? 15,
    revocationRefreshMs: parsed.LEDGER_REVOCATION_REFRESH_MS ?? 1000,
    authRateLimit: {
      perIp: parsed.LEDGER_AUTH_RATE_LIMIT_PER_IP ?? 30,
      perUsername: parsed.LEDGER_AUTH_RATE_LIMIT_PER_USERNAME ?? 10,
      windowSeconds: parsed.LEDGER_AUTH_RATE_LIMIT_WINDOW_SECONDS ?? 60,
    },
    corsOrigins: parsed.LEDGER_CORS_ORIGINS ? parsed.LEDGER_CORS_ORIGINS.split(',') : [],
    trustProxy: parsed.LEDGER_TRUST_PROXY ? parsed.LEDGER_TRUST_PROXY.split(',') : [],
    tls: parsed.LEDGER_TLS_CERT_FILE && parsed.LEDGER_TLS_KEY_FILE ? { certFile: resolve(parsed.LEDGER_TLS_CERT_FILE), keyFile: resolve(parsed.LEDGER_TLS_KEY_FILE) } : undefined,
    ...(parsed.LEDGER_MFA_REQUIRED_ROLES ? { mfaRequiredRoles: parsed.LEDGER_MFA_REQUIRED_ROLES.split(',') } : {}),
  };
}

function jwtPublicKeyProblem(pem: string): string | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'it does not parse';
  }
  const type = key.asymmetricKeyType ?? 'unknown';
  if (!JWT_KEY_TYPES.includes(type)) return `unsupported key type ${type}`;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return type === 'ec' && !JWT_EC_CURVES.includes(curve ?? '') ? `unsupported curve ${curve}` : undefined;
}
