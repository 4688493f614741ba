import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import type { Actor } from '@pi-ledger/access-control/actor';
import { LookupMonitor } from '../application/lookup-monitor';

/** Counts the request as a personal-data look-up of its actor before it runs (LookupMonitor). */
@Injectable()
export class PersonalDataLookupInterceptor implements NestInterceptor {
  constructor(private readonly monitor: LookupMonitor) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = execution.switchToHttp().getRequest<FastifyRequest & { actor?: Actor }>();
    if (!request.actor) return next.handle();
    this.monitor.admit({ actor: request.actor, correlationId: String(request.id), causationId: String(request.id) });
    return next.handle();
  }
}

/** A route that looks up customers' personal data: limited per actor, and watched for bulk look-up. */
export function PersonalDataLookup(): MethodDecorator {
  return applyDecorators(
    UseInterceptors(PersonalDataLookupInterceptor),
    ApiTooManyRequestsResponse({ description: 'lookup-rate-exceeded: more personal-data look-ups within a minute than one actor may make (Retry-After)' }),
  );
}
