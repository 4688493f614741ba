import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { isRole, Role } from './roles';

export const ROLES_METADATA = 'pi-ledger:roles';

/**
 * The roles that may call a route (controller or handler; the handler's list wins). Every `/v1`
 * route needs one: without it AccessGuard refuses everyone.
 */
export function Roles(...roles: Role[]): ClassDecorator & MethodDecorator {
  const unknown = roles.filter((role) => !isRole(role));
  if (roles.length === 0 || unknown.length > 0) {
    throw new Error(`@Roles() needs known roles, got ${roles.length === 0 ? 'none' : unknown.join(', ')}`);
  }
  return applyDecorators(
    SetMetadata(ROLES_METADATA, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or expired bearer token (problem+json)' }),
    ApiForbiddenResponse({ description: `Requires one of the roles: ${roles.join(', ')} (problem+json)` }),
  );
}
