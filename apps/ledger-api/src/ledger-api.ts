import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { LedgerClock, systemClock } from '@pi-ledger/platform/clock/ledger-clock';
import { createHttpApp } from '@pi-ledger/platform/http/create-http-app';
import { LedgerApiModule } from './ledger-api.module';

/** The whole API, configured but not listening: main.ts listens, end-to-end tests too (with a pinned clock). */
export async function createLedgerApi(config: LedgerConfig, logger: Logger, clock: LedgerClock = systemClock): Promise<NestFastifyApplication> {
  const app = await createHttpApp(LedgerApiModule.forRoot(config, logger, clock), logger, {
    requestTimeoutMs: config.httpRequestTimeoutSeconds * 1000,
    authRateLimit: config.authRateLimit,
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    tls: config.tls,
  });
  // the refresh token's httpOnly cookie (apps/ledger-api/src/auth)
  await app.register(fastifyCookie);
  // uploads of import files (apps/ledger-api/src/imports): parts are streamed by the route, never buffered
  await app.register(fastifyMultipart);
  return app;
}
