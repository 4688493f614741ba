import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { validate as isUuid } from 'uuid';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { LogoutReason } from '@pi-ledger/ledger-domain/staff/staff-signin.events';
import { RevocationService, RevokedBy } from '../revocation/revocation.service';
import { StaffAccounts } from './staff-accounts';

/** A sign-in lasts at most this long, however often its refresh token rotates; then sign in again. */
export const SESSION_TTL_SECONDS = 12 * 3600;

export interface StaffSession {
  sessionId: string;
  staffId: string;
  createdAt: string;
  refreshedAt: string;
  expiresAt: string;
}

export type Rotation =
  { status: 'rotated'; sessionId: string; staffId: string; refreshToken: string } | { status: 'reused'; sessionId: string; staffId: string } | { status: 'invalid' };

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();
const newToken = () => randomBytes(32).toString('base64url');
const iso = (value: Date) => value.toISOString();

/**
 * Sign-in sessions and their refresh tokens (tables of migration 1763900020000). A refresh token is
 * stored as its SHA-256 digest and used once: rotating marks it used and issues the next in one
 * statement; a used one presented again means someone else holds it, and its whole session ends.
 */
@Injectable()
export class StaffSessions {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A new session id (the sign-in's event names it before the session row exists). */
  newSessionId(): string {
    return randomUUID();
  }

  async open(sessionId: string, staffId: string, now: Date): Promise<{ refreshToken: string; expiresAt: string }> {
    const refreshToken = newToken();
    const expiresAt = new Date(now.getTime() + SESSION_TTL_SECONDS * 1000);
    await this.pool.query(
      `WITH session AS (INSERT INTO auth_sessions (session_id, staff_id, created_at, expires_at, refreshed_at) VALUES ($1, $2, $3, $4, $3) RETURNING session_id)
       INSERT INTO auth_refresh_tokens (token_digest, session_id, issued_at) SELECT $5, session_id, $3 FROM session`,
      [sessionId, staffId, iso(now), iso(expiresAt), digest(refreshToken)],
    );
    return { refreshToken, expiresAt: iso(expiresAt) };
  }

  async rotate(refreshToken: string, now: Date): Promise<Rotation> {
    const next = newToken();
    const { rows } = await this.pool.query<{ session_id: string; staff_id: string }>(
      `WITH used AS (
         UPDATE auth_refresh_tokens t SET used_at = $2 FROM auth_sessions s
          WHERE t.token_digest = $1 AND t.used_at IS NULL AND s.session_id = t.session_id AND s.ended_at IS NULL AND s.expires_at > $2
          RETURNING s.session_id, s.staff_id),
       issued AS (INSERT INTO auth_refresh_tokens (token_digest, session_id, issued_at) SELECT $3, session_id, $2 FROM used),
       touched AS (UPDATE auth_sessions SET refreshed_at = $2 WHERE session_id IN (SELECT session_id FROM used))
       SELECT session_id, staff_id FROM used`,
      [digest(refreshToken), iso(now), digest(next)],
    );
    if (rows.length === 1) return { status: 'rotated', sessionId: rows[0].session_id, staffId: rows[0].staff_id, refreshToken: next };
    const { rows: known } = await this.pool.query<{ session_id: string; staff_id: string; used: boolean }>(
      `SELECT s.session_id, s.staff_id, t.used_at IS NOT NULL AS used FROM auth_refresh_tokens t JOIN auth_sessions s USING (session_id) WHERE t.token_digest = $1`,
      [digest(refreshToken)],
    );
    if (known.length === 1 && known[0].used) return { status: 'reused', sessionId: known[0].session_id, staffId: known[0].staff_id };
    return { status: 'invalid' };
  }

  /** Ends a session (true when it was still open). */
  async end(sessionId: string, reason: LogoutReason, now: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE auth_sessions SET ended_at = $2, end_reason = $3 WHERE session_id = $1 AND ended_at IS NULL', [sessionId, iso(now), reason]);
    return rowCount === 1;
  }

  /** Ends every open session of the account; the ids of those ended. */
  async endAll(staffId: string, reason: LogoutReason, now: Date): Promise<string[]> {
    const { rows } = await this.pool.query<{ session_id: string }>(
      'UPDATE auth_sessions SET ended_at = $2, end_reason = $3 WHERE staff_id = $1 AND ended_at IS NULL RETURNING session_id',
      [staffId, iso(now), reason],
    );
    return rows.map((row) => row.session_id);
  }

  async get(sessionId: string): Promise<(StaffSession & { ended: boolean }) | undefined> {
    if (!isUuid(sessionId)) return undefined;
    const { rows } = await this.pool.query(`SELECT ${COLUMNS}, ended_at IS NOT NULL AS ended FROM auth_sessions WHERE session_id = $1`, [sessionId]);
    return rows[0] ? { ...toSession(rows[0]), ended: rows[0].ended as boolean } : undefined;
  }

  /** The account's open, unexpired sessions, newest first. */
  async active(staffId: string, now: Date): Promise<StaffSession[]> {
    // a machine token's actor (`ledger auth token --sub ops-1`) is no staff account: it has no sessions
    if (!isUuid(staffId)) return [];
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM auth_sessions WHERE staff_id = $1 AND ended_at IS NULL AND expires_at > $2 ORDER BY created_at DESC`, [
      staffId,
      iso(now),
    ]);
    return rows.map(toSession);
  }
}

const COLUMNS = 'session_id, staff_id, created_at, refreshed_at, expires_at';

function toSession(row: Record<string, unknown>): StaffSession {
  return {
    sessionId: row.session_id as string,
    staffId: row.staff_id as string,
    createdAt: iso(row.created_at as Date),
    refreshedAt: iso(row.refreshed_at as Date),
    expiresAt: iso(row.expires_at as Date),
  };
}

/**
 * After a change that makes an account's tokens untrue (disabled, a role revoked, password or MFA
 * reset): every token it holds is refused on every process within 2 s, its sessions end, and each
 * ending is in its sign-in history. The API's admin routes and the CLI both end them so.
 */
export async function endAccountSessions(
  parts: { accounts: StaffAccounts; sessions: StaffSessions; revocations: RevocationService },
  staffId: string,
  reason: string,
  by: RevokedBy & { correlationId: string },
  now: Date,
): Promise<void> {
  await parts.revocations.revokeActor(staffId, reason, by);
  const metadata = { actor: by.actor.id, roles: [...by.actor.roles], correlationId: by.correlationId };
  for (const sessionId of await parts.sessions.endAll(staffId, 'account-changed', now)) {
    // by session too: a refresh under way when the actor was revoked may sign a token just after its cut-off
    await parts.revocations.revokeSession(sessionId, reason, by);
    await parts.accounts.recordSignin(staffId, { type: 'RecordLogout', sessionId, reason: 'account-changed', ip: null }, metadata);
  }
}
