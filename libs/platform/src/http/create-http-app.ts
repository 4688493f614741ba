import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import helmet from '@fastify/helmet';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { PinoNestLogger } from '../logging/pino-nest-logger';
import { redactUrl } from '../logging/pi-redaction';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { frameworkProblem, ProblemDetailsFilter } from './problem-details.filter';
import { inputProblem, unstorableText } from './input-guard';
import { ledgerValidationPipe } from './validation.pipe';
import { FieldProblem, ProblemException } from './problem';
import { CONSOLE_CSP, CONSOLE_PATH, consoleCacheControl, registerConsole } from './console-static';
import { AuthRateLimits, registerAuthRateLimit } from './auth-rate-limit';
import { LEDGER_CLOCK, LedgerClock, systemClock } from '../clock/ledger-clock';

const UNLOGGED = /^\/(health|metrics)/;
const DOCS = /^\/docs(\/|$|\?)/;

/** A body, header or request line that has not fully arrived by then is cut off with a 408 problem. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export interface HttpEdgeOptions {
  /** Time allowed to receive a whole request (headers and body); LEDGER_HTTP_REQUEST_TIMEOUT_SECONDS. */
  requestTimeoutMs?: number;
  /** Limits of the routes marked @AuthRateLimit(); absent: LEDGER_AUTH_RATE_LIMIT_*'s defaults. */
  authRateLimit?: AuthRateLimits;
  /** Origins a browser may call the API from; empty or absent: CORS off (no Access-Control-* header). */
  corsOrigins?: readonly string[];
  /**
   * Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For gives the client's address
   * (request.ip: per-IP rate limits, sign-in history); empty or absent: the socket's peer.
   */
  trustProxy?: readonly string[];
  /** PEM files: HTTPS, with HSTS. */
  tls?: { certFile: string; keyFile: string };
}

const DEFAULT_AUTH_RATE_LIMIT: AuthRateLimits = { perIp: 30, perUsername: 10, windowSeconds: 60 };
const HSTS_MAX_AGE_SECONDS = 31_536_000;
// what a browser console sends and may read, when CORS is on
const CORS_REQUEST_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'if-match',
  'x-processing-purpose',
  'x-correlation-id',
  'x-request-id',
  'x-reveal-reason',
  'x-ledger-min-position',
  'x-break-glass',
  'x-break-glass-note',
];
const CORS_EXPOSED_HEADERS = ['etag', 'location', 'retry-after', 'x-request-id', 'www-authenticate', 'idempotent-replayed'];

// JSON answers load nothing, and no page may frame them
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
// the Swagger UI at /docs: its own scripts and styles (one inline <style>), images as data: URLs, the document by fetch
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** What helmet sets, for the answers written before any hook runs (router and connection errors). */
const EDGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': API_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

// a caller's own request id is kept only when it is a plain token: it goes into every log line
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function headerProblem(headers: Record<string, string | string[] | undefined>): FieldProblem | undefined {
  for (const [name, value] of Object.entries(headers)) {
    for (const text of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      const message = unstorableText(text);
      if (message) return { path: `header ${name}`, message };
    }
  }
  return undefined;
}

/** A connection-level refusal (a timeout, headers too large, an unparsable request), written on the socket. */
function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify(frameworkProblem({ statusCode: status, code: error.code }));
  // a response may already be on its way (a 413 answered, then the body's timeout): never a second status line
  const answered = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !answered) {
    const headers = Object.entries({
      ...EDGE_HEADERS,
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers}\r\n${body}`);
  }
  socket.destroy(error);
}

/** The Fastify-based Nest app with the ledger's HTTP conventions; not yet listening. */
export async function createHttpApp(root: DynamicModule, logger: Logger, options: HttpEdgeOptions = {}): Promise<NestFastifyApplication> {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const adapter = new FastifyAdapter({
    logger: false,
    ...(options.tls ? { https: { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) } } : {}),
    bodyLimit: 1024 * 1024,
    ...(options.trustProxy?.length ? { trustProxy: [...options.trustProxy] } : {}),
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => {
      const own = request.headers['x-request-id'];
      return typeof own === 'string' && REQUEST_ID.test(own) ? own : randomUUID();
    },
    // Node checks these every connectionsCheckingInterval: a body that stops arriving is cut within a second of the limit
    requestTimeout,
    http: { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(1_000, requestTimeout) },
    clientErrorHandler,
    // the router's own refusals (bad percent-encoding, an over-long path segment) come before any hook
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      void reply
        .status(error.statusCode ?? 400)
        .headers({ ...EDGE_HEADERS, 'content-type': 'application/problem+json; charset=utf-8' })
        .send(frameworkProblem(error));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  app.useGlobalPipes(ledgerValidationPipe());
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // only over HTTPS: on plain HTTP browsers ignore it, and it would promise what the service does not do
    strictTransportSecurity: options.tls ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true } : false,
  });
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    app.enableCors({
      origin: [...options.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: CORS_REQUEST_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600,
    });
  }

  const metrics = app.get(LedgerMetrics);
  // the Date header tells the ledger's time, not the host's: the console counts deadlines down from it (a pinned or drilled clock too)
  let clock: LedgerClock = systemClock;
  try {
    clock = app.get<LedgerClock>(LEDGER_CLOCK, { strict: false });
  } catch {
    // an app without the ledger clock answers the host's time
  }
  const fastify = app.getHttpAdapter().getInstance();
  await registerAuthRateLimit(fastify, options.authRateLimit ?? DEFAULT_AUTH_RATE_LIMIT);
  // The one input guard, after parsing and before class-transformer and class-validator see anything:
  // what the log accepts, every projection must be able to store (PostgreSQL refuses U+0000 and lone
  // surrogates), and no body is nested deep enough to exhaust the stack of a recursive transformer.
  fastify.addHook('preValidation', async (request) => {
    const problem = inputProblem(request.body) ?? inputProblem(request.query) ?? inputProblem(request.params) ?? headerProblem(request.headers);
    if (problem) {
      throw new ProblemException(400, 'validation-failed', 'The request is invalid', `${problem.path}: ${problem.message}`, [problem]);
    }
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id).header('date', clock().toUTCString());
    // answers may carry personal data: no cache, shared or private, keeps them; the viewer gets its own CSP
    if (DOCS.test(request.url)) {
      void reply.header('content-security-policy', DOCS_CSP);
    } else if (CONSOLE_PATH.test(request.url)) {
      void reply.header('content-security-policy', CONSOLE_CSP).header('cache-control', consoleCacheControl(request.url));
    } else {
      void reply.header('cache-control', 'no-store');
    }
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

  await registerConsole(fastify);

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
