import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE_METADATA = 'pi-ledger:public-route';

/**
 * A `/v1` route anyone may call without a bearer token: only the sign-in steps (`/v1/auth/login`,
 * `/mfa`, `/refresh`, enrolment and password change with a step token), which authenticate their
 * callers themselves. Every other `/v1` route still needs @Roles.
 */
export const PublicRoute = (): MethodDecorator => SetMetadata(PUBLIC_ROUTE_METADATA, true);
