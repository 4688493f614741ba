import { Client, Pool, PoolConfig } from 'pg';
import { createResilientPool } from './database-unavailable';
import { DataSource } from 'typeorm';
import { LedgerConfig } from '../config/ledger-config';
import { EmbeddedPostgresOptions, startEmbeddedPostgres } from './embedded-postgres.server';
import { LEDGER_MIGRATIONS } from './ledger-migrations';

export const LEDGER_DATABASE_NAME = 'pi_ledger';
export const APP_ROLE = 'pi_ledger_app';
/** The application_name of the service's and the projector's connections (the CLI's differ). */
export const SERVICE_APPLICATION_NAME = 'pi-ledger';
const MIGRATION_LOCK = 7_263_537_001; // pg_advisory_lock key: one migrator at a time per database

export interface OpenDatabase {
  readonly url: string;
  /** False while the embedded server this process supervises is down and being restarted; unknown (undefined) or true otherwise. */
  readonly up?: boolean;
  /** Stops the embedded server if this process owns it; a no-op otherwise. */
  stop(): Promise<void>;
}

export type EmbeddedServerOptions = Pick<EmbeddedPostgresOptions, 'supervise' | 'restartBackoff' | 'report'>;

/** `DATABASE_URL` when set; otherwise the embedded server of the data dir, database `pi_ledger`. */
export async function openLedgerDatabase(config: LedgerConfig, log: (message: string) => void, embedded: EmbeddedServerOptions = {}): Promise<OpenDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, up: true, stop: async () => undefined };
  const server = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log, ...embedded });
  try {
    await ensureDatabase(server.url, LEDGER_DATABASE_NAME);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url: withDatabase(server.url, LEDGER_DATABASE_NAME),
    get up() {
      return server.up;
    },
    stop: () => server.stop(),
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function ensureDatabase(serverUrl: string, database: string, template?: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return;
    const from = template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : '';
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}${from} ENCODING 'UTF8'`);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // created concurrently
  } finally {
    await client.end();
  }
}

/** Applies pending migrations; concurrent starters wait on an advisory lock instead of racing. */
export async function migrateLedgerDatabase(url: string, log: (message: string) => void): Promise<string[]> {
  const lock = new Client({ connectionString: url });
  await lock.connect();
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: LEDGER_MIGRATIONS,
    migrationsTableName: 'ledger_migrations',
    migrationsTransactionMode: 'each',
    logging: false,
  });
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) log(`migration applied: ${migration.name}`);
    return applied.map((migration) => migration.name);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.end();
  }
}

export async function pendingMigrations(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query(`SELECT to_regclass('ledger_migrations') AS t`);
    const done = new Set<string>(table.rows[0].t ? (await client.query('SELECT name FROM ledger_migrations')).rows.map((r) => r.name) : []);
    return LEDGER_MIGRATIONS.map((migration) => migration.name).filter((name) => !done.has(name));
  } finally {
    await client.end();
  }
}

/**
 * The service's pool. When the connecting user may act as `pi_ledger_app`, every connection drops
 * to it, so the running service cannot UPDATE or DELETE events even if its code tried. A lost
 * database never ends the process and its errors come out as DatabaseUnavailable (database-unavailable.ts).
 */
export async function createLedgerPool(url: string, options: PoolConfig = {}): Promise<Pool> {
  const probe = new Client({ connectionString: url });
  await probe.connect();
  const { rows } = await probe
    .query(`SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AND pg_has_role(current_user, $1, 'MEMBER') AS ok`, [APP_ROLE])
    .finally(() => probe.end());
  // `role` as a startup parameter: every connection acts as the role from its first statement on.
  return createResilientPool({
    connectionString: url,
    application_name: SERVICE_APPLICATION_NAME,
    // a host that drops packets silently: a connection attempt gives up (503 database-unavailable) instead of hanging
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    ...(rows[0].ok ? { options: `-c role=${APP_ROLE}` } : {}),
    ...options,
  });
}
