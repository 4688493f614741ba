import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { FollowUpChannel, FollowUpStatus } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';

/** A task as the queues show it: no value of the customer's, only the work's facts. */
export interface FollowUpRow {
  taskId: string;
  subjectId: string;
  dueDate: string;
  assignee: string;
  department: string | null;
  channel: FollowUpChannel;
  status: FollowUpStatus;
  source: { kind: 'manual' } | { kind: 'checkup'; visitId: string };
  openedBy: string;
  openedAt: string;
  closedBy: string | null;
  closedAt: string | null;
  overdue: boolean;
}

/** A task with its sealed values as stored, for the customer's own list and the export. */
export interface SealedFollowUp extends FollowUpRow {
  sealed: { note: unknown; outcome: unknown; reason: unknown };
}

export interface QueueFilter {
  assignee?: string;
  department?: string;
  status?: FollowUpStatus;
  overdue?: boolean;
  /** The ledger's date in China: what "overdue" is judged against. */
  today: string;
  /** Keyset: tasks after this (due date, task id). */
  after?: [string, string];
  limit: number;
}

const COLUMNS = `task_id, subject_id, due_date::text AS due_date, assignee, department, channel, status, source_kind, source_visit_id,
  opened_by, opened_at, closed_by, closed_at, note, outcome, cancel_reason, (status = 'open' AND due_date < $1::date) AS overdue`;

@Injectable()
export class FollowUpTaskQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A work queue: tasks by due date, then id. */
  async queue(filter: QueueFilter): Promise<FollowUpRow[]> {
    const params: unknown[] = [filter.today];
    const where: string[] = [];
    const add = (sql: (placeholder: string) => string, value: unknown) => where.push(sql(`$${params.push(value)}`));
    if (filter.assignee !== undefined) add((p) => `assignee = ${p}`, filter.assignee);
    if (filter.department !== undefined) add((p) => `department = ${p}`, filter.department);
    if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
    if (filter.overdue !== undefined) where.push(`${filter.overdue ? '' : 'NOT '}(status = 'open' AND due_date < $1::date)`);
    if (filter.after) {
      const [date, id] = filter.after;
      where.push(`(due_date, task_id) > ($${params.push(date)}::date, $${params.push(id)})`);
    }
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM follow_up_tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY due_date, task_id LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows.map((row) => toRow(row));
  }

  /** A customer's tasks, newest due first, with their sealed values. */
  async bySubject(subjectId: string, today: string): Promise<SealedFollowUp[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM follow_up_tasks WHERE subject_id = $2 ORDER BY due_date DESC, task_id DESC`, [today, subjectId]);
    return rows.map((row) => ({ ...toRow(row), sealed: { note: row.note, outcome: row.outcome, reason: row.cancel_reason } }));
  }

  async subjectOf(taskId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ subject_id: string }>(`SELECT subject_id FROM follow_up_tasks WHERE task_id = $1`, [taskId]);
    return rows[0]?.subject_id;
  }

  /** Open tasks past their due date, per department ('' for none). */
  async overdueByDepartment(today: string): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ department: string; n: number }>(
      `SELECT coalesce(department, '') AS department, count(*)::int AS n FROM follow_up_tasks WHERE status = 'open' AND due_date < $1::date GROUP BY 1`,
      [today],
    );
    return new Map(rows.map((row) => [row.department, row.n]));
  }
}

function toRow(row: Record<string, unknown>): FollowUpRow {
  return {
    taskId: row.task_id as string,
    subjectId: row.subject_id as string,
    dueDate: row.due_date as string,
    assignee: row.assignee as string,
    department: row.department as string | null,
    channel: row.channel as FollowUpChannel,
    status: row.status as FollowUpStatus,
    source: row.source_kind === 'checkup' ? { kind: 'checkup', visitId: row.source_visit_id as string } : { kind: 'manual' },
    openedBy: row.opened_by as string,
    openedAt: (row.opened_at as Date).toISOString(),
    closedBy: (row.closed_by as string | null) ?? null,
    closedAt: row.closed_at ? (row.closed_at as Date).toISOString() : null,
    overdue: row.overdue as boolean,
  };
}
