import type { DomainEvent } from '@pi-ledger/event-store/event-store.port';

/** What a revocation refuses: every token of a sign-in session (`sid`), one token (`jti`), or every token of an actor (`sub`) issued until then. */
export type RevocationKind = 'session' | 'token' | 'actor';

interface Revoked {
  /** A short code (`logout`, `account-disabled`, `operator`): stored in clear, so never free text. */
  reason: string;
  /** The ledger clock's time of the revocation. */
  revokedAt: string;
}

export type SessionRevoked = DomainEvent<'SessionRevoked', Revoked & { sessionId: string }>;
export type TokenRevoked = DomainEvent<'TokenRevoked', Revoked & { tokenId: string }>;
/** `issuedBefore`: tokens whose `iat` is at or before this (seconds since the epoch, in the clock that stamps tokens) are refused. */
export type ActorRevoked = DomainEvent<'ActorRevoked', Revoked & { actorId: string; issuedBefore: number }>;

export type RevocationEvent = SessionRevoked | TokenRevoked | ActorRevoked;

/** One stream per revoked thing: small, so deciding never reads a long history, and revoking twice is seen as such. */
export function revocationStream(kind: RevocationKind, target: string): string {
  return `revocation-${kind}-${target}`;
}
