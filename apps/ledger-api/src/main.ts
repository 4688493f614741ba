import 'reflect-metadata';
import { ConfigError, LedgerConfig, loadConfig } from '@pi-ledger/platform/config/ledger-config';
import { createLogger } from '@pi-ledger/platform/logging/logger';
import { createLedgerApi } from './ledger-api';

const EX_CONFIG = 78;

async function main(): Promise<void> {
  let config: LedgerConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`pi-ledger: ${error.message}\n`);
    process.exit(EX_CONFIG);
  }
  const logger = createLogger(config);
  logger.info({ database: config.databaseUrl ? 'external (DATABASE_URL)' : `embedded in ${config.dataDir}/pg` }, 'pi-ledger starting');
  const app = await createLedgerApi(config, logger);

  // Drain HTTP and close the ledger before the database stops; a second signal forces the exit.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'pi-ledger stopping');
    app.close().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  await app.listen(config.port, config.host);
  logger.info({ url: await app.getUrl() }, 'pi-ledger API listening');
}

main().catch((error) => {
  process.stderr.write(`pi-ledger failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
