import type { Actor } from './actor';
import { isRole, Role, ROLES } from './roles';
import { TokenRejectedError, TokenRequestError } from './token.errors';

export const DEFAULT_TTL_SECONDS = 3600;
export const MAX_TTL_SECONDS = 365 * 24 * 3600;

export interface TokenRequest {
  sub: string;
  roles: readonly string[];
  /** Required with (and only with) the `data_subject` role. */
  subjectId?: string;
  ttlSeconds?: number;
  /** The sign-in session (`sid`) a login issues the token for. */
  sessionId?: string;
  /** The staff member's department (`dept`). */
  departmentId?: string;
}

/** The claims we put in a token besides `sub`, `iat` and `exp`. */
export interface LedgerClaims {
  roles: Role[];
  subject_id?: string;
  sid?: string;
  dept?: string;
}

/**
 * What a token may say: known roles only; `data_subject` stands alone (a data subject token must not
 * also open staff routes, or @Roles('data_subject', 'staff') would let it past the subject scope) and
 * names its subject.
 */
function rolesProblem(roles: readonly Role[], subjectId: unknown): string | undefined {
  if (roles.length === 0) return 'at least one role is required';
  if (!roles.includes('data_subject')) return undefined;
  if (roles.length > 1) return 'the data_subject role cannot be combined with other roles';
  if (typeof subjectId !== 'string' || subjectId.trim() === '') return 'a data_subject token must carry a subject id';
  return undefined;
}

export function claimsToIssue(request: TokenRequest): { sub: string; claims: LedgerClaims; ttlSeconds: number } {
  const sub = request.sub?.trim();
  if (!sub) throw new TokenRequestError('the actor id (sub) must not be empty');
  const unknown = request.roles.filter((role) => !isRole(role));
  if (unknown.length > 0) {
    throw new TokenRequestError(`unknown role ${unknown.map((role) => JSON.stringify(role)).join(', ')}; roles are ${ROLES.join(', ')}`);
  }
  const roles = [...new Set(request.roles as Role[])];
  const problem = rolesProblem(roles, request.subjectId);
  if (problem) throw new TokenRequestError(problem);
  if (request.subjectId !== undefined && !roles.includes('data_subject')) {
    throw new TokenRequestError('a subject id is only for data_subject tokens');
  }
  const ttlSeconds = request.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new TokenRequestError(`the ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}`);
  }
  const claims: LedgerClaims = roles.includes('data_subject') ? { roles, subject_id: request.subjectId } : { roles };
  if (request.sessionId !== undefined) claims.sid = nonEmpty(request.sessionId, 'session id');
  if (request.departmentId !== undefined) claims.dept = nonEmpty(request.departmentId, 'department id');
  return { sub, claims, ttlSeconds };
}

function nonEmpty(value: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TokenRequestError(`the ${what} must not be empty`);
  return value;
}

/** The actor a verified token describes; the signature and `exp` were checked already. */
export function actorFromClaims(payload: Record<string, unknown>): Actor {
  const invalid = (reason: string) => new TokenRejectedError('invalid-token', reason);
  if (typeof payload.sub !== 'string' || payload.sub.trim() === '') throw invalid('the token has no subject (sub)');
  const { roles } = payload;
  if (!Array.isArray(roles)) throw invalid('the token has no roles claim');
  if (!roles.every(isRole)) throw invalid('the token names an unknown role');
  const unique = [...new Set(roles)];
  const problem = rolesProblem(unique, payload.subject_id);
  if (problem) throw invalid(problem);
  const actor: Actor = unique.includes('data_subject') ? { id: payload.sub, roles: unique, subjectId: payload.subject_id as string } : { id: payload.sub, roles: unique };
  const optional = (claim: string): string | undefined => {
    const value = payload[claim];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw invalid(`the ${claim} claim must be a non-empty string`);
    return value;
  };
  const sessionId = optional('sid');
  const tokenId = optional('jti');
  const departmentId = optional('dept');
  if (sessionId) actor.sessionId = sessionId;
  if (tokenId) actor.tokenId = tokenId;
  if (departmentId) actor.departmentId = departmentId;
  if (typeof payload.iat === 'number') actor.issuedAt = payload.iat;
  return actor;
}
