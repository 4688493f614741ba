/** Who the access token says is signed in; for the menus only: the API checks every request itself. */
export interface SignedInUser {
  id: string;
  roles: string[];
  departmentId?: string;
  expiresAt?: number;
}

export function userOfToken(token: string): SignedInUser {
  const payload = token.split('.')[1] ?? '';
  const json = new TextDecoder().decode(Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));
  const claims = JSON.parse(json) as { sub?: string; roles?: unknown; dept?: string; exp?: number };
  return {
    id: claims.sub ?? '',
    roles: Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === 'string') : [],
    departmentId: claims.dept,
    expiresAt: claims.exp,
  };
}

export function hasAnyRole(user: SignedInUser | undefined, roles: readonly string[]): boolean {
  return !!user && user.roles.some((role) => roles.includes(role));
}
