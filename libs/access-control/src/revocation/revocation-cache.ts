import { Injectable } from '@nestjs/common';
import type { Actor } from '../actor';
import type { RevocationKind } from './revocation.events';

/** One row of `auth_revocations`, as the cache takes it (from a query or a notification). */
export interface RevocationEntry {
  kind: RevocationKind;
  target: string;
  /** Actors only: tokens with `iat` at or before this (seconds since the epoch) are refused. */
  issuedBefore?: number;
}

/**
 * The revocations in force, in memory, so the guard checks each request without a database round
 * trip: two sets and a map, each looked up once per request. Fed by RevocationService.
 */
@Injectable()
export class RevocationCache {
  private sessions = new Set<string>();
  private tokens = new Set<string>();
  private actors = new Map<string, number>();

  add(entry: RevocationEntry): void {
    switch (entry.kind) {
      case 'session':
        this.sessions.add(entry.target);
        return;
      case 'token':
        this.tokens.add(entry.target);
        return;
      case 'actor': {
        const known = this.actors.get(entry.target);
        const cutOff = entry.issuedBefore ?? Number.POSITIVE_INFINITY;
        if (known === undefined || cutOff > known) this.actors.set(entry.target, cutOff);
        return;
      }
    }
  }

  /** Replaces everything with these entries (after old rows were pruned). */
  replace(entries: Iterable<RevocationEntry>): void {
    const next = new RevocationCache();
    for (const entry of entries) next.add(entry);
    ({ sessions: this.sessions, tokens: this.tokens, actors: this.actors } = next);
  }

  /**
   * Its session or its own id revoked, or its actor revoked at or after it was issued. A token
   * without `iat` (some identity providers' tokens) cannot show it is newer than an actor's revocation.
   */
  isRevoked(actor: Actor): boolean {
    if (actor.tokenId !== undefined && this.tokens.has(actor.tokenId)) return true;
    if (actor.sessionId !== undefined && this.sessions.has(actor.sessionId)) return true;
    const cutOff = this.actors.get(actor.id);
    return cutOff !== undefined && (actor.issuedAt === undefined || actor.issuedAt <= cutOff);
  }

  get size(): number {
    return this.sessions.size + this.tokens.size + this.actors.size;
  }
}
