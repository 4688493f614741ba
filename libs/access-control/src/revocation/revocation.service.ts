import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { POSTGRES_EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import type { PostgresEventStorePort } from '@pi-ledger/event-store/postgres/postgres-event-store.port';
import { handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import type { EventMetadata } from '@pi-ledger/event-store/event-store.port';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import type { Actor } from '../actor';
import { tokenClockNow } from '../token.service';
import { decideRevocation, evolveRevocation, initialRevocation, RevocationState } from './revocation.decider';
import { RevocationEvent, RevocationKind, revocationStream } from './revocation.events';
import { RevocationCache, RevocationEntry } from './revocation-cache';

/** The channel every process LISTENs on; a notification only wakes the listeners' re-read of the table (its payload, a RevocationEntry as JSON, is for people watching). */
export const REVOCATION_CHANNEL = 'ledger_revocations';

const FOLD: StreamFold<RevocationState, RevocationEvent> = { initialState: initialRevocation, evolve: evolveRevocation };

/** Who revoked, for the event's metadata; a RequestContext of the API fits. Absent: the system itself (say, a reused refresh token). */
export interface RevokedBy {
  actor: Pick<Actor, 'id' | 'roles'>;
  correlationId: string;
  causationId?: string;
}

/**
 * Revocation of sign-in sessions, machine tokens and actors, in force on every process within 2 s.
 * A revocation is an event (`SessionRevoked`, `TokenRevoked`, `ActorRevoked`, one small stream per
 * revoked thing, through handleCommand, the revoker in its metadata, so it is in the audit trail)
 * and one `auth_revocations` row written by the append's own statement. After the commit it is
 * NOTIFYed; RevocationFeed keeps this process's cache in step (LISTEN, and a re-read every
 * LEDGER_REVOCATION_REFRESH_MS for what a lost notification missed); BearerAuthentication reads the cache.
 */
@Injectable()
export class RevocationService {
  constructor(
    @Inject(POSTGRES_EVENT_STORE) private readonly store: PostgresEventStorePort,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    private readonly cache: RevocationCache,
  ) {}

  /** Every token carrying this `sid` is refused from now on. */
  revokeSession(sessionId: string, reason: string, by?: RevokedBy): Promise<void> {
    return this.revoke('session', sessionId, reason, by);
  }

  /** The token with this `jti` is refused from now on. */
  revokeToken(tokenId: string, reason: string, by?: RevokedBy): Promise<void> {
    return this.revoke('token', tokenId, reason, by);
  }

  /** Every token of this `sub` issued until now is refused; one issued later is not (a new sign-in carries current roles). */
  revokeActor(actorId: string, reason: string, by?: RevokedBy): Promise<void> {
    return this.revoke('actor', actorId, reason, by);
  }

  private async revoke(kind: RevocationKind, target: string, reason: string, by?: RevokedBy): Promise<void> {
    const now = this.clock().toISOString();
    const tokenNow = tokenClockNow();
    const metadata = revocationMetadata(by);
    const handled = await handleCommand(
      this.store,
      revocationStream(kind, target),
      FOLD,
      ({ state }) => decideRevocation({ kind, target, reason, now, tokenClockNow: tokenNow }, state),
      {
        prepare: async (events) => ({
          events: events.map((event) => ({ ...event, metadata })),
          options: { alongside: revocationRow(events[0]) },
        }),
      },
    );
    const event = handled.events[0];
    if (!event) return; // revoked already
    const entry = entryOf(event);
    this.cache.add(entry);
    // after the commit, never inside it (architecture.md): a lost NOTIFY is caught by the other processes' re-read
    await this.pool.query('SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, JSON.stringify(entry)]).catch((error: unknown) => {
      this.logger.warn({ err: error, kind }, 'a revocation was stored but not notified: other processes apply it at their next re-read');
    });
  }
}

function revocationMetadata(by: RevokedBy | undefined): EventMetadata {
  if (!by) return { actor: 'system', roles: [], correlationId: randomUUID() };
  return { actor: by.actor.id, roles: [...by.actor.roles], correlationId: by.correlationId, ...(by.causationId ? { causationId: by.causationId } : {}) };
}

export function entryOf(event: RevocationEvent): RevocationEntry {
  switch (event.type) {
    case 'SessionRevoked':
      return { kind: 'session', target: event.data.sessionId };
    case 'TokenRevoked':
      return { kind: 'token', target: event.data.tokenId };
    case 'ActorRevoked':
      return { kind: 'actor', target: event.data.actorId, issuedBefore: event.data.issuedBefore };
  }
}

function revocationRow(event: RevocationEvent) {
  const entry = entryOf(event);
  return {
    name: 'auth-revocation',
    into: 'auth_revocations (kind, target, revoked_at, issued_before)',
    types: ['text', 'text', 'timestamptz', 'double precision'],
    values: [entry.kind, entry.target, event.data.revokedAt, entry.issuedBefore ?? null],
  };
}
