import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { LEDGER_DATABASE, PG_POOL } from '../config/config.tokens';
import type { OpenDatabase } from '../database/ledger-database';
import { LEDGER_MIGRATIONS } from '../database/ledger-migrations';
import { ProblemException } from '../http/problem';

const READY_TIMEOUT_MS = 2_000;

@ApiTags('ops')
@Controller('health')
export class HealthController {
  private readonly migrationNames = LEDGER_MIGRATIONS.map((migration) => migration.name);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_DATABASE) private readonly database: OpenDatabase,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'The database is reachable and fully migrated (503 otherwise)' })
  async ready() {
    if (this.database.up === false) {
      throw new ProblemException(503, 'not-ready', 'Not ready', 'The embedded PostgreSQL server is down; the service is restarting it', undefined, { retryAfterSeconds: 2 });
    }
    let applied: number;
    try {
      applied = await withTimeout(this.appliedMigrations(), READY_TIMEOUT_MS);
    } catch {
      throw new ProblemException(503, 'not-ready', 'Not ready', 'The database is not reachable', undefined, { retryAfterSeconds: 5 });
    }
    if (applied < this.migrationNames.length) {
      throw new ProblemException(503, 'not-ready', 'Not ready', `${this.migrationNames.length - applied} migrations pending`, undefined, {
        retryAfterSeconds: 5,
      });
    }
    return { status: 'ok', migrations: applied };
  }

  private async appliedMigrations(): Promise<number> {
    const { rows } = await this.pool.query('SELECT count(*)::int AS n FROM ledger_migrations WHERE name = ANY($1)', [this.migrationNames]);
    return rows[0].n;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise.finally(() => clearTimeout(timer)), new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))]);
}
