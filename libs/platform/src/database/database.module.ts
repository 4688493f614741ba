import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { LedgerConfig } from '../config/ledger-config';
import { LEDGER_CONFIG, LEDGER_DATABASE, LEDGER_LOGGER, PG_POOL } from '../config/config.tokens';
import { createLedgerPool, migrateLedgerDatabase, OpenDatabase, openLedgerDatabase, SERVICE_APPLICATION_NAME } from './ledger-database';

export interface DatabaseModuleOptions {
  /** The API migrates at start; the CLI's `db migrate` does it itself and reports. */
  migrateOnStart: boolean;
  /** The pool's application_name (default `pi-ledger`): `ledger backup restore` refuses while `pi-ledger` connections exist. */
  applicationName?: string;
  /**
   * Keep the embedded server up while this process owns it: restart it with backoff when it dies,
   * take it over from a ledger command (embedded-postgres.server.ts). Default: true for the
   * service's application_name (the API, the projector), false for the CLI's.
   */
  superviseEmbeddedServer?: boolean;
}

/** Closes the pool, then stops the embedded server if this process owns it: after all else. */
@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_DATABASE) private readonly database: OpenDatabase,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
    await this.database.stop();
    this.logger.info('database closed');
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: LEDGER_DATABASE,
          inject: [LEDGER_CONFIG, LEDGER_LOGGER],
          useFactory: async (config: LedgerConfig, logger: Logger) => {
            const pgLog = logger.child({ component: 'postgres' });
            const database = await openLedgerDatabase(config, (line) => pgLog.debug(line), {
              supervise: options.superviseEmbeddedServer ?? (options.applicationName ?? SERVICE_APPLICATION_NAME) === SERVICE_APPLICATION_NAME,
              report: (level, message) => pgLog[level](message),
            });
            if (options.migrateOnStart) {
              try {
                await migrateLedgerDatabase(database.url, (line) => logger.info(line));
              } catch (error) {
                await database.stop();
                throw error;
              }
            }
            return database;
          },
        },
        {
          provide: PG_POOL,
          inject: [LEDGER_DATABASE, LEDGER_CONFIG],
          useFactory: (database: OpenDatabase, config: LedgerConfig) =>
            createLedgerPool(database.url, { max: config.dbPoolSize, ...(options.applicationName ? { application_name: options.applicationName } : {}) }),
        },
        DatabaseLifecycle,
      ],
      exports: [LEDGER_DATABASE, PG_POOL],
    };
  }
}
