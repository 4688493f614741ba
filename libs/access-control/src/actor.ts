import type { Role } from './roles';

/** Who is acting: the authenticated caller, as the token describes it. */
export interface Actor {
  /** The token's `sub`: a staff account id for people who sign in, any name for machine tokens. */
  id: string;
  roles: Role[];
  /** Only for `data_subject`: the one subject this actor is. */
  subjectId?: string;
  /** The sign-in session the token belongs to (`sid`), for tokens issued by `POST /v1/auth/...`; revocable. */
  sessionId?: string;
  /** The token's own id (`jti`), for machine tokens issued by the CLI; revocable by id. */
  tokenId?: string;
  /** The staff member's department (`dept`), which scopes the customers a health manager or customer service sees. */
  departmentId?: string;
  /** When the token was issued (`iat`, seconds since the epoch); a revocation of the actor refuses tokens issued before it. */
  issuedAt?: number;
}
