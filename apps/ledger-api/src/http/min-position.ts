import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { from, Observable } from 'rxjs';
import { mergeMap } from 'rxjs/operators';
import { ProblemException } from '@pi-ledger/platform/http/problem';

import { ProjectionFreshness } from '../application/projection-freshness';

const HEADER = 'x-ledger-min-position';
const READS_PROJECTIONS = 'pi-ledger:reads-projections';

/** `X-Ledger-Min-Position: 42` → 42; absent → undefined; anything else → 400. */
export function parseMinPosition(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !/^\s*\d{1,15}\s*$/.test(header)) {
    throw new ProblemException(400, 'invalid-min-position', 'Invalid X-Ledger-Min-Position', 'X-Ledger-Min-Position must be a position a write returned (a non-negative integer)', [
      { path: 'headers.x-ledger-min-position', message: 'must be a non-negative integer' },
    ]);
  }
  return Number(header);
}

/** Applies `X-Ledger-Min-Position` to routes marked with @ReadsProjections. */
@Injectable()
export class MinPositionInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly freshness: ProjectionFreshness,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = execution.switchToHttp().getRequest<FastifyRequest>();
    const position = parseMinPosition(request.headers[HEADER]);
    if (position === undefined) return next.handle();
    const projections = this.reflector.getAllAndOverride<string[] | undefined>(READS_PROJECTIONS, [execution.getHandler(), execution.getClass()]) ?? [];
    return from(this.freshness.waitFor(projections, position)).pipe(mergeMap(() => next.handle()));
  }
}

/**
 * The read models a route answers from: with `X-Ledger-Min-Position: <n>` it waits (≤ 5 s) until
 * they include the event at position n, else 503 `projection-lagging` with Retry-After.
 */
export function ReadsProjections(...projections: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(READS_PROJECTIONS, projections),
    UseInterceptors(MinPositionInterceptor),
    ApiHeader({ name: 'X-Ledger-Min-Position', required: false, description: 'A position a write returned: wait (≤ 5 s) until this read includes it' }),
    ApiServiceUnavailableResponse({ description: 'projection-lagging: the read models did not reach X-Ledger-Min-Position in time (Retry-After)' }),
  );
}
