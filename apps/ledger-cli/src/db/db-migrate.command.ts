import { Inject } from '@nestjs/common';
import { CommandRunner, SubCommand } from 'nest-commander';
import type { Logger } from 'pino';
import { LEDGER_DATABASE, LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { migrateLedgerDatabase, OpenDatabase } from '@pi-ledger/platform/database/ledger-database';

@SubCommand({ name: 'migrate', description: 'apply pending database migrations' })
export class DbMigrateCommand extends CommandRunner {
  constructor(
    @Inject(LEDGER_DATABASE) private readonly database: OpenDatabase,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  async run(): Promise<void> {
    const applied = await migrateLedgerDatabase(this.database.url, (line) => this.logger.info(line));
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  }
}
