import { ProblemException } from '@pi-ledger/platform/http/problem';
import type { ProblemHeaders } from '@pi-ledger/platform/http/problem-details.filter';
import type { Role } from './roles';
import type { TokenRejectedError } from './token.errors';

const REALM = 'pi-ledger';

/** A problem that also sets response headers (WWW-Authenticate, RFC 6750 §3). */
export class AuthenticationProblem extends ProblemException implements ProblemHeaders {
  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    readonly headers: Readonly<Record<string, string>>,
    extensions: Record<string, unknown> = {},
  ) {
    super(status, code, title, detail, undefined, extensions);
  }
}

/** No credentials, or another scheme than Bearer: RFC 6750 says no error code then. */
export function missingToken(detail: string): AuthenticationProblem {
  return new AuthenticationProblem(401, 'unauthorized', 'Unauthorized', detail, { 'www-authenticate': challenge() });
}

/** `Authorization: Bearer` present but not followed by one token. */
export function malformedAuthorization(detail: string): AuthenticationProblem {
  return new AuthenticationProblem(401, 'unauthorized', 'Unauthorized', detail, { 'www-authenticate': challenge('invalid_request', detail) });
}

export function rejectedToken(error: TokenRejectedError): AuthenticationProblem {
  switch (error.code) {
    case 'token-expired':
      return new AuthenticationProblem(401, 'token-expired', 'Token expired', error.message, { 'www-authenticate': challenge('invalid_token', error.message) });
    case 'invalid-token':
      return new AuthenticationProblem(401, 'invalid-token', 'Invalid token', error.message, { 'www-authenticate': challenge('invalid_token', error.message) });
    case 'authentication-unavailable':
      return new AuthenticationProblem(503, 'authentication-unavailable', 'Authentication unavailable', error.message, {}, { retryAfterSeconds: 5 });
  }
}

/** A valid token whose session, id or actor was revoked (sign-out, disabled account, changed roles, an operator). */
export function revokedToken(): AuthenticationProblem {
  const detail = 'the token has been revoked; sign in again';
  return new AuthenticationProblem(401, 'token-revoked', 'Token revoked', detail, { 'www-authenticate': challenge('invalid_token', detail) });
}

export function wrongRole(required: readonly Role[]): ProblemException {
  return new ProblemException(403, 'forbidden', 'Forbidden', `this route requires one of the roles: ${required.join(', ')}`, undefined, {
    requiredRoles: required,
  });
}

export function noRolesDeclared(): ProblemException {
  return new ProblemException(403, 'forbidden', 'Forbidden', 'this route declares no roles, so it is closed to every caller');
}

function challenge(error?: string, description?: string): string {
  const parts = [`realm="${REALM}"`];
  if (error) parts.push(`error="${error}"`);
  // quoted-string content allowed by RFC 6750 §3: printable ASCII without `"` and `\`
  if (description) parts.push(`error_description="${description.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '')}"`);
  return `Bearer ${parts.join(', ')}`;
}
