import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { redactMessage } from '../logging/pi-redaction';
import { ProblemBody, ProblemException, problemForCode, problemType } from './problem';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  410: 'gone',
  412: 'precondition-failed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable-entity',
  429: 'too-many-requests',
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
    if (body.status >= 500) {
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
    if (exception instanceof HttpException) return fromHttpException(exception);
    const fastify = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
      // Fastify's own rejections: malformed JSON, unsupported media type, body too large.
      const code = fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported-media-type' : (CODE_BY_STATUS[fastify.statusCode] ?? 'bad-request');
      return problem(fastify.statusCode, code === 'bad-request' ? 'malformed-request' : code, redactMessage(fastify.message ?? ''));
    }
    return problem(500, 'internal-error', `An unexpected error occurred; it is logged under request id ${String(request.id)}.`);
  }
}

function fromHttpException(exception: HttpException): ProblemBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
  const code = status === Number(HttpStatus.NOT_FOUND) ? 'not-found' : (CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal-error' : 'bad-request'));
  return problem(status, code, detail);
}

function problem(status: number, code: string, detail?: string): ProblemBody {
  const title = code.replace(/-/g, ' ').replace(/^./, (first) => first.toUpperCase());
  return { type: problemType(code), title, status, ...(detail ? { detail } : {}), code };
}
