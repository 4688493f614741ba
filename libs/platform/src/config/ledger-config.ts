import { resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBase64, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The environment, as documented in the README. Names are the variables themselves. */
class LedgerEnvironment {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  HOST?: string;

  @IsOptional() @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\/\S+$/)
  DATABASE_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  LEDGER_DATA_DIR?: string;

  @IsOptional() @Transform(emptyToUndefined)
  @IsBase64()
  LEDGER_MASTER_KEY?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  @MinLength(32)
  LEDGER_JWT_SECRET?: string;

  @IsOptional() @Transform(emptyToUndefined)
  @IsIn(LOG_LEVELS as unknown as string[])
  LOG_LEVEL?: LogLevel;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  LEDGER_EMBEDDED_PG_PORT?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200)
  LEDGER_DB_POOL_SIZE?: number;
}

/** One line per bad variable; secrets are never echoed. */
const EXPECTED: Record<keyof LedgerEnvironment, string> = {
  PORT: 'an integer from 0 to 65535',
  HOST: 'a host name or IP address',
  DATABASE_URL: 'a postgres:// connection URL',
  LEDGER_DATA_DIR: 'a directory path',
  LEDGER_MASTER_KEY: '32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)',
  LEDGER_JWT_SECRET: 'at least 32 characters',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
  LEDGER_EMBEDDED_PG_PORT: 'an integer from 0 to 65535',
  LEDGER_DB_POOL_SIZE: 'an integer from 1 to 200',
};
const SECRET = new Set(['DATABASE_URL', 'LEDGER_MASTER_KEY', 'LEDGER_JWT_SECRET']);

export interface LedgerConfig {
  readonly port: number;
  readonly host: string;
  /** Absent: the embedded PostgreSQL server in `<dataDir>/pg` is used. */
  readonly databaseUrl?: string;
  readonly dataDir: string;
  readonly masterKey?: Buffer;
  readonly jwtSecret?: string;
  readonly logLevel: LogLevel;
  /** 0 = pick a free port the first time, then keep it. */
  readonly embeddedPgPort: number;
  readonly dbPoolSize: number;
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
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: parsed.PORT ?? 3000,
    host: parsed.HOST ?? '127.0.0.1',
    databaseUrl: parsed.DATABASE_URL,
    dataDir: resolve(parsed.LEDGER_DATA_DIR ?? '.ledger-data'),
    masterKey,
    jwtSecret: parsed.LEDGER_JWT_SECRET,
    logLevel: parsed.LOG_LEVEL ?? 'info',
    embeddedPgPort: parsed.LEDGER_EMBEDDED_PG_PORT ?? 0,
    dbPoolSize: parsed.LEDGER_DB_POOL_SIZE ?? 20,
  };
}
