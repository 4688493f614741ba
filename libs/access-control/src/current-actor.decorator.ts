import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Actor } from './actor';

/** Where AccessGuard leaves the authenticated actor on the (Fastify) request. */
export interface RequestWithActor {
  actor?: Actor;
}

/** The authenticated caller of a `@Roles` route. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const { actor } = context.switchToHttp().getRequest<RequestWithActor>();
  // only a route without @Roles (a public one) gets here without an actor: a wiring mistake
  if (!actor) throw new Error('@CurrentActor() used on a route without @Roles: nobody was authenticated');
  return actor;
});
