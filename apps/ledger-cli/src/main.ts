import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { ConfigError, LedgerConfig, loadConfig } from '@pi-ledger/platform/config/ledger-config';
import { createLogger } from '@pi-ledger/platform/logging/logger';
import { PinoNestLogger } from '@pi-ledger/platform/logging/pino-nest-logger';
import { LedgerCliModule } from './ledger-cli.module';
import { usageExitCode } from './program-name';
import { isOfflineBackupCommand, isRestoreCommand, OfflineBackupModule, RestoreBackupModule } from './backup/backup.commands';

const EX_CONFIG = 78;

/** `ledger <command>`: results on stdout, logs (JSON) and progress on stderr. */
async function main(): Promise<void> {
  let config: LedgerConfig;
  try {
    config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`ledger: ${error.message}\n`);
    process.exit(EX_CONFIG);
  }
  const logger = createLogger(config, 2);
  // two commands run on less than the whole CLI: one needs no ledger, the other must not open the vault
  const module = isOfflineBackupCommand(process.argv)
    ? OfflineBackupModule
    : isRestoreCommand(process.argv)
      ? RestoreBackupModule.forRoot(config, logger)
      : LedgerCliModule.forRoot(config, logger);
  await CommandFactory.run(module, {
    logger: new PinoNestLogger(logger),
    cliName: 'ledger',
    // usage errors arrive here too (ProgramName): commander has printed its message already
    serviceErrorHandler: (error) => {
      const usage = usageExitCode(error);
      if (usage === undefined) process.stderr.write(`ledger: ${error.message}\n`);
      process.exitCode = usage ?? 1;
    },
  });
}

main().catch((error) => {
  process.stderr.write(`ledger: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
