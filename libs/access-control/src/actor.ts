import type { Role } from './roles';

/** Who is acting: the authenticated caller, as the token describes it. */
export interface Actor {
  /** The token's `sub`. */
  id: string;
  roles: Role[];
  /** Only for `data_subject`: the one subject this actor is. */
  subjectId?: string;
}
