import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ProblemBody, ProblemException, problemForCode, problemType } from './problem';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'malformed-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  410: 'gone',
  412: 'precondition-failed',
  408: 'request-timeout',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  422: 'unprocessable-entity',
  429: 'too-many-requests',
  431: 'request-header-fields-too-large',
  503: 'service-unavailable',
};

/** A ProblemException may carry response headers too (e.g. WWW-Authenticate); they never enter the body. */
export interface ProblemHeaders {
  readonly headers?: Readonly<Record<string, string>>;
}

/** Every error leaves as application/problem+json; a 500 never carries the error's own text. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = this.toProblem(exception, request);
    if (body.status === 503) {
      // the database or a read model is not there yet: a state, not a fault; one line without a stack
      this.logger.warn({ requestId: request.id, code: body.code }, 'request answered 503');
    } else if (body.status >= 500) {
      this.logger.error({ err: exception, requestId: request.id, code: body.code }, 'request failed');
    }
    if (exception instanceof ProblemException) {
      for (const [name, value] of Object.entries((exception as ProblemException & ProblemHeaders).headers ?? {})) void reply.header(name, value);
    }
    const retryAfter = body.retryAfterSeconds;
    if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    void reply.status(body.status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemBody {
    if (exception instanceof ProblemException) {
      return {
        type: problemType(exception.code),
        title: exception.title,
        status: exception.status,
        detail: exception.detail,
        code: exception.code,
        ...(exception.errors ? { errors: exception.errors } : {}),
        ...exception.extensions,
      };
    }
    const coded = exception as { code?: unknown; message?: string; details?: Record<string, unknown> };
    const known = typeof coded?.code === 'string' ? problemForCode(coded.code) : undefined;
    if (known) {
      // `details` are the domain's non-PI facts (e.g. existingSubjectId): extension members
      const code = coded.code as string;
      return { ...(coded.details ?? {}), type: problemType(code), title: known.title, status: known.status, detail: coded.message, code };
    }
    // Nest wraps Fastify's own 4xx errors in an HttpException that keeps the Fastify error as its cause
    if (exception instanceof HttpException) return frameworkProblem(exception.cause) ?? fromHttpException(exception);
    const framework = frameworkProblem(exception);
    if (framework) return framework;
    return problem(500, 'internal-error', `An unexpected error occurred; it is logged under request id ${String(request.id)}.`);
  }
}

function fromHttpException(exception: HttpException): ProblemBody {
  const status = exception.getStatus();
  // Nest's own 404 ("Cannot GET /v1/subjects/<what was typed>") would echo the path, which may hold PI
  if (status === Number(HttpStatus.NOT_FOUND)) return problem(status, 'not-found', 'No route matches this method and path');
  const response = exception.getResponse();
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal-error' : 'malformed-request');
  return problem(status, code, detail);
}

/**
 * Fixed texts for Fastify's and Node's own refusals: their messages quote the URL, a header or
 * the body (a JSON SyntaxError shows the text around the error), any of which may be PI.
 */
const FRAMEWORK_DETAIL: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'This content type is not accepted; send application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The body is larger than the limit',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The body is empty but the content type is application/json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The body is not valid JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The body does not match its Content-Length',
  FST_ERR_BAD_URL: 'The URL is not valid (bad percent-encoding)',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is longer than any identifier',
  FST_ERR_ASYNC_CONSTRAINT: 'The request matches no route',
  ERR_HTTP_REQUEST_TIMEOUT: 'The request was not received in time',
  HPE_HEADER_OVERFLOW: 'The request line and headers are too large',
};
const FRAMEWORK_DETAIL_BY_STATUS: Record<number, string> = {
  400: 'The request is malformed (e.g. the body is not valid JSON)',
  408: 'The request was not received in time',
  413: 'The body is larger than the limit',
  414: 'The URL is too long',
  415: 'This content type is not accepted; send application/json',
  431: 'The request line and headers are too large',
};

/** A Fastify or Node HTTP error (a 4xx with a `statusCode`) as a problem, or undefined for anything else. */
export function frameworkProblem(exception: unknown): ProblemBody | undefined {
  const error = exception as { statusCode?: unknown; status?: unknown; code?: unknown } | null;
  const status = typeof error?.statusCode === 'number' ? error.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const code = CODE_BY_STATUS[status] ?? 'malformed-request';
  const detail = (typeof error?.code === 'string' ? FRAMEWORK_DETAIL[error.code] : undefined) ?? FRAMEWORK_DETAIL_BY_STATUS[status] ?? 'The request is malformed';
  return problem(status, code, detail);
}

export function problem(status: number, code: string, detail?: string): ProblemBody {
  const title = code.replace(/-/g, ' ').replace(/^./, (first) => first.toUpperCase());
  return { type: problemType(code), title, status, ...(detail ? { detail } : {}), code };
}
