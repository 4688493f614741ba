import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { MessageCategory, MessageChannel, MessageKind } from '@pi-ledger/ledger-domain/messages/message.events';

export type OutboxStatus = 'queued' | 'sent' | 'failed' | 'cancelled' | 'cancelling';

/** A message as the outbox keeps it: delivery facts in clear, recipient and content still sealed. */
export interface OutboxRow {
  messageId: string;
  subjectId: string;
  kind: MessageKind;
  channel: MessageChannel;
  purposeId: string;
  category: MessageCategory;
  source: { kind: string; ref: string | null };
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  queuedBy: string;
  queuedAt: string;
  closedAt: string | null;
  sealed: { recipient: unknown; content: unknown };
}

/** The outbox's state for operations: counts and failures, no customer and no value. */
export interface OutboxSummary {
  byStatus: Record<string, number>;
  byKind: Array<{ kind: string; channel: string; status: string; count: number }>;
  oldestDueAt: string | null;
  failures: Array<{ messageId: string; kind: string; channel: string; status: string; attempts: number; errorCode: string | null; at: string | null }>;
}

const COLUMNS = `message_id, subject_id, kind, channel, purpose_id, category, source_kind, source_ref, status, attempts, next_attempt_at, last_error, queued_by, queued_at, closed_at, recipient, content`;
const iso = (value: unknown) => (value ? (value as Date).toISOString() : null);

@Injectable()
export class OutboxQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A customer's messages, newest first. */
  async bySubject(subjectId: string): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM outbox_messages WHERE subject_id = $1 ORDER BY queued_at DESC, message_id DESC`, [subjectId]);
    return rows.map(toRow);
  }

  /** Queued messages whose next attempt is due at `now`, oldest first. */
  async due(now: Date, limit: number): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM outbox_messages WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, message_id LIMIT $2`,
      [now, limit],
    );
    return rows.map(toRow);
  }

  /** Queued messages of erased customers, waiting for their cancellation to be recorded. */
  async cancelling(limit: number): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM outbox_messages WHERE status = 'cancelling' ORDER BY message_id LIMIT $1`, [limit]);
    return rows.map(toRow);
  }

  async summary(now: Date): Promise<OutboxSummary> {
    const [counts, oldest, failures] = await Promise.all([
      this.pool.query(`SELECT kind, channel, status, count(*)::int AS count FROM outbox_messages GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
      this.pool.query(`SELECT min(next_attempt_at) AS at FROM outbox_messages WHERE status = 'queued' AND next_attempt_at <= $1`, [now]),
      this.pool.query(
        `SELECT message_id, kind, channel, status, attempts, last_error, coalesce(closed_at, next_attempt_at) AS at FROM outbox_messages
          WHERE last_error IS NOT NULL ORDER BY coalesce(closed_at, next_attempt_at) DESC LIMIT 50`,
      ),
    ]);
    const byStatus: Record<string, number> = { queued: 0, sent: 0, failed: 0, cancelled: 0, cancelling: 0 };
    for (const row of counts.rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + row.count;
    return {
      byStatus,
      byKind: counts.rows.map((row) => ({ kind: row.kind, channel: row.channel, status: row.status, count: row.count })),
      oldestDueAt: iso(oldest.rows[0]?.at),
      failures: failures.rows.map((row) => ({
        messageId: row.message_id,
        kind: row.kind,
        channel: row.channel,
        status: row.status,
        attempts: row.attempts,
        errorCode: row.last_error,
        at: iso(row.at),
      })),
    };
  }
}

function toRow(row: Record<string, unknown>): OutboxRow {
  return {
    messageId: row.message_id as string,
    subjectId: row.subject_id as string,
    kind: row.kind as MessageKind,
    channel: row.channel as MessageChannel,
    purposeId: row.purpose_id as string,
    category: row.category as MessageCategory,
    source: { kind: row.source_kind as string, ref: (row.source_ref as string | null) ?? null },
    status: row.status as OutboxStatus,
    attempts: row.attempts as number,
    nextAttemptAt: iso(row.next_attempt_at),
    lastError: (row.last_error as string | null) ?? null,
    queuedBy: row.queued_by as string,
    queuedAt: iso(row.queued_at) as string,
    closedAt: iso(row.closed_at),
    sealed: { recipient: row.recipient, content: row.content },
  };
}
