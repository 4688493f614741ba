import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { ConfigError, LedgerConfig, loadConfig } from '@pi-ledger/platform/config/ledger-config';
import { createLogger } from '@pi-ledger/platform/logging/logger';
import { PinoNestLogger } from '@pi-ledger/platform/logging/pino-nest-logger';
import { LedgerCliModule } from './ledger-cli.module';

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
  await CommandFactory.run(LedgerCliModule.forRoot(config, logger), {
    logger: new PinoNestLogger(logger),
    cliName: 'ledger',
    // commander has already printed its own message (unknown command, missing argument, help)
    errorHandler: (error) => {
      const code = (error as { code?: string }).code ?? '';
      process.exitCode = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(code) ? 0 : 2;
    },
    serviceErrorHandler: (error) => {
      process.stderr.write(`ledger: ${error.message}\n`);
      process.exitCode = 1;
    },
  });
}

main().catch((error) => {
  process.stderr.write(`ledger: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
