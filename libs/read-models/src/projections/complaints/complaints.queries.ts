import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { ComplaintCategory, ComplaintChannel, ComplaintSeverity, ComplaintStatus, ComplaintTextCategory } from '@pi-ledger/ledger-domain/complaints/complaint.events';

/** A complaint as the queue shows it: the work's facts, no value of the customer's (no text, no satisfaction). */
export interface ComplaintRow {
  complaintId: string;
  subjectId: string;
  channel: ComplaintChannel;
  category: ComplaintCategory;
  severity: ComplaintSeverity;
  status: ComplaintStatus;
  holdsHealthData: boolean;
  serviceRecordId: string | null;
  department: string | null;
  handler: string | null;
  receivedBy: string;
  receivedAt: string;
  replyDueAt: string;
  resolutionDueAt: string;
  repliedAt: string | null;
  closedAt: string | null;
  reopened: number;
  escalations: number;
  lastEscalatedAt: string | null;
  overdue: boolean;
}

/** A complaint with its satisfaction and its sealed texts as stored, for the customer's own list and the export. */
export interface SealedComplaint extends ComplaintRow {
  textCategory: ComplaintTextCategory;
  satisfaction: number | null;
  sealed: { description: unknown; reply: unknown };
}

export interface ComplaintQueueFilter {
  status?: ComplaintStatus;
  severity?: ComplaintSeverity;
  department?: string;
  handler?: string;
  overdue?: boolean;
  /** A scoped caller's reach: complaints of this department, or handled by this account. */
  scope?: { department: string | null; handler: string };
  /** What "overdue" is judged against: the ledger's now. */
  now: string;
  /** Keyset: complaints after this (resolution deadline, complaint id). */
  after?: [string, string];
  limit: number;
}

const OVERDUE = `(status <> 'closed' AND ((awaiting_reply AND reply_due_at < $1::timestamptz) OR resolution_due_at < $1::timestamptz))`;
const COLUMNS = `complaint_id, subject_id, channel, category, severity, status, text_category, service_record_id, department, handler, received_by, received_at,
  reply_due_at, resolution_due_at, replied_at, closed_at, reopened, escalations, last_escalated_at, satisfaction, description, reply, ${OVERDUE} AS overdue`;

@Injectable()
export class ComplaintQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The queue: complaints by resolution deadline, then id. */
  async queue(filter: ComplaintQueueFilter): Promise<ComplaintRow[]> {
    const params: unknown[] = [filter.now];
    const where: string[] = [];
    const add = (sql: (placeholder: string) => string, value: unknown) => where.push(sql(`$${params.push(value)}`));
    if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
    if (filter.severity !== undefined) add((p) => `severity = ${p}`, filter.severity);
    if (filter.department !== undefined) add((p) => `department = ${p}`, filter.department);
    if (filter.handler !== undefined) add((p) => `handler = ${p}`, filter.handler);
    if (filter.overdue !== undefined) where.push(`${filter.overdue ? '' : 'NOT '}${OVERDUE}`);
    if (filter.scope) where.push(`(department = $${params.push(filter.scope.department)} OR handler = $${params.push(filter.scope.handler)})`);
    if (filter.after) where.push(`(resolution_due_at, complaint_id) > ($${params.push(filter.after[0])}::timestamptz, $${params.push(filter.after[1])})`);
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM complaints ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY resolution_due_at, complaint_id LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows.map(toRow);
  }

  /** A customer's complaints, newest first, with their sealed texts. */
  async bySubject(subjectId: string, now: string): Promise<SealedComplaint[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM complaints WHERE subject_id = $2 ORDER BY received_at DESC, complaint_id DESC`, [now, subjectId]);
    return rows.map((row) => ({
      ...toRow(row),
      textCategory: row.text_category,
      satisfaction: row.satisfaction,
      sealed: { description: row.description, reply: row.reply },
    }));
  }

  /** Open complaints with a deadline passed by `now` that is not escalated yet (the sweep's candidates; the decider has the last word). */
  async dueForEscalation(now: string, after: string, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ complaint_id: string }>(
      `SELECT complaint_id FROM complaints
        WHERE status <> 'closed' AND complaint_id > $2
          AND ((awaiting_reply AND reply_due_at < $1::timestamptz AND reply_escalated_due IS DISTINCT FROM reply_due_at)
               OR (resolution_due_at < $1::timestamptz AND resolution_escalated_due IS DISTINCT FROM resolution_due_at))
        ORDER BY complaint_id LIMIT $3`,
      [now, after, limit],
    );
    return rows.map((row) => row.complaint_id);
  }

  /** Open complaints past a deadline, per department ('' for none) and severity. */
  async overdueCounts(now: string): Promise<Array<{ department: string; severity: string; n: number }>> {
    const { rows } = await this.pool.query<{ department: string; severity: string; n: number }>(
      `SELECT coalesce(department, '') AS department, severity, count(*)::int AS n FROM complaints WHERE ${OVERDUE} GROUP BY 1, 2 ORDER BY 1, 2`,
      [now],
    );
    return rows;
  }
}

const iso = (value: unknown) => (value ? (value as Date).toISOString() : null);

function toRow(row: Record<string, unknown>): ComplaintRow {
  return {
    complaintId: row.complaint_id as string,
    subjectId: row.subject_id as string,
    channel: row.channel as ComplaintChannel,
    category: row.category as ComplaintCategory,
    severity: row.severity as ComplaintSeverity,
    status: row.status as ComplaintStatus,
    holdsHealthData: row.text_category === 'health_records',
    serviceRecordId: (row.service_record_id as string | null) ?? null,
    department: (row.department as string | null) ?? null,
    handler: (row.handler as string | null) ?? null,
    receivedBy: row.received_by as string,
    receivedAt: iso(row.received_at) as string,
    replyDueAt: iso(row.reply_due_at) as string,
    resolutionDueAt: iso(row.resolution_due_at) as string,
    repliedAt: iso(row.replied_at),
    closedAt: iso(row.closed_at),
    reopened: row.reopened as number,
    escalations: row.escalations as number,
    lastEscalatedAt: iso(row.last_escalated_at),
    overdue: row.overdue as boolean,
  };
}
