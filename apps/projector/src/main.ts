import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, LedgerConfig, loadConfig } from '@pi-ledger/platform/config/ledger-config';
import { createLogger } from '@pi-ledger/platform/logging/logger';
import { PinoNestLogger } from '@pi-ledger/platform/logging/pino-nest-logger';
import { ProjectorModule } from './projector.module';

/**
 * `npm run projector`: runs the projections outside the API (set LEDGER_PROJECTOR=external on the
 * API then). Start several for failover: each projection is leased to one worker at a time.
 */
async function main(): Promise<void> {
  let config: LedgerConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`pi-ledger projector: ${error.message}\n`);
    process.exit(78);
  }
  const logger = createLogger(config);
  const app = await NestFactory.createApplicationContext(ProjectorModule.forRoot(config, logger), { logger: new PinoNestLogger(logger) });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'projector stopping');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  process.stderr.write(`pi-ledger projector failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
