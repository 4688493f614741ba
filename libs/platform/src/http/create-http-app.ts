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
import { ProblemException } from './problem';

const UNLOGGED = /^\/(health|metrics)/;

function nulPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return path ? `${path}.${key}` : key;
    const found = nulPath(item, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

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
  // PostgreSQL's jsonb refuses U+0000: say which field, instead of failing on write with a 500
  fastify.addHook('preValidation', async (request) => {
    const path = nulPath(request.body, '');
    if (path !== undefined) {
      throw new ProblemException(400, 'validation-failed', 'The request is invalid', `${path || 'body'}: contains a NUL character`, [
        { path: path || 'body', message: 'contains a NUL character' },
      ]);
    }
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (!UNLOGGED.test(request.url)) {
      // the route template, never the raw path: a path segment may be PI typed where an id belongs
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      logger.info(
        { req: { id: request.id, method: request.method, url: redactUrl(`${route}${query}`) }, res: { statusCode: reply.statusCode }, ms: Math.round(reply.elapsedTime) },
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
