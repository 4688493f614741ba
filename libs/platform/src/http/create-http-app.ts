import { randomUUID } from 'node:crypto';
import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { PinoNestLogger } from '../logging/pino-nest-logger';
import { redactUrl } from '../logging/pi-redaction';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { ProblemDetailsFilter } from './problem-details.filter';
import { ledgerValidationPipe } from './validation.pipe';

const UNLOGGED = /^\/(health|metrics)/;

/** The Fastify-based Nest app with the ledger's HTTP conventions; not yet listening. */
export async function createHttpApp(root: DynamicModule, logger: Logger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: false,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  app.useGlobalPipes(ledgerValidationPipe());

  const metrics = app.get(LedgerMetrics);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (!UNLOGGED.test(request.url)) {
      logger.info(
        { req: { id: request.id, method: request.method, url: redactUrl(request.url) }, res: { statusCode: reply.statusCode }, ms: Math.round(reply.elapsedTime) },
        'request completed',
      );
    }
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('pi-ledger')
      .setDescription('Event-sourced compliance ledger for personal information (PIPL). Errors are RFC 9457 problem+json.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return app;
}
