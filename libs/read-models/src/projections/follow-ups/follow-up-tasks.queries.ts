import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { FollowUpChannel, FollowUpSource, FollowUpStatus } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';

/** A task as the queues show it: no value of the customer's, only the work's facts. */
export interface FollowUpRow {
  taskId: string;
  subjectId: string;
  dueDate: string;
  assignee: string;
  department: string | null;
  channel: FollowUpChannel;
  status: FollowUpStatus;
  source: FollowUpSource;
  openedBy: string;
  openedAt: string;
  closedBy: string | null;
  closedAt: string | null;
  overdue: boolean;
  /** When the sweep raised it to its department's head, and to whom (null: the department has none); null when never. */
  escalatedAt: string | null;
  escalatedTo: string | null;
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
  escalated?: boolean;
  escalatedTo?: string;
  /** The ledger's date in China: what "overdue" is judged against. */
  today: string;
  /** Keyset: tasks after this (due date, task id). */
  after?: [string, string];
  limit: number;
}

/**
 * `due_date` is selected as text, so ORDER BY names the table's column (`follow_up_tasks.due_date`):
 * a bare `due_date` would sort by the text alias and no index could give the order (bench:service-queries).
 */
const COLUMNS = `task_id, subject_id, due_date::text AS due_date, assignee, department, channel, status, source_kind, source_visit_id,
  opened_by, opened_at, closed_by, closed_at, note, outcome, cancel_reason, (status = 'open' AND due_date < $1::date) AS overdue,
  source_plan_id, source_occurrence, escalated_at, escalated_to`;

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
    if (filter.escalated !== undefined) where.push(`escalated_at IS ${filter.escalated ? 'NOT ' : ''}NULL`);
    if (filter.escalatedTo !== undefined) add((p) => `escalated_to = ${p}`, filter.escalatedTo);
    if (filter.after) {
      const [date, id] = filter.after;
      where.push(`(due_date, task_id) > ($${params.push(date)}::date, $${params.push(id)})`);
    }
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM follow_up_tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY follow_up_tasks.due_date, task_id LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows.map((row) => toRow(row));
  }

  /** A customer's tasks, newest due first, with their sealed values. */
  async bySubject(subjectId: string, today: string): Promise<SealedFollowUp[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM follow_up_tasks WHERE subject_id = $2 ORDER BY follow_up_tasks.due_date DESC, task_id DESC`, [today, subjectId]);
    return rows.map((row) => ({ ...toRow(row), sealed: { note: row.note, outcome: row.outcome, reason: row.cancel_reason } }));
  }

  async subjectOf(taskId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ subject_id: string }>(`SELECT subject_id FROM follow_up_tasks WHERE task_id = $1`, [taskId]);
    return rows[0]?.subject_id;
  }

  /**
   * Open tasks not yet escalated that were due before `dueBefore` (the sweep's candidates; each is
   * decided again on its stream), by due date and id, after the keyset `after`.
   */
  async escalationCandidates(
    dueBefore: string,
    after: [string, string] | undefined,
    limit: number,
  ): Promise<Array<{ taskId: string; dueDate: string; department: string | null }>> {
    const { rows } = await this.pool.query<{ task_id: string; due_date: string; department: string | null }>(
      `SELECT task_id, due_date::text AS due_date, department FROM follow_up_tasks
        WHERE status = 'open' AND escalated_at IS NULL AND due_date < $1::date AND ($2::date IS NULL OR (due_date, task_id) > ($2::date, $3))
        ORDER BY follow_up_tasks.due_date, task_id LIMIT $4`,
      [dueBefore, after?.[0] ?? null, after?.[1] ?? null, limit],
    );
    return rows.map((row) => ({ taskId: row.task_id, dueDate: row.due_date, department: row.department }));
  }

  /** Open tasks past their due date, per department ('' for none). */
  overdueByDepartment(today: string): Promise<Map<string, number>> {
    return this.openByDepartment(`due_date < $1::date`, [today]);
  }

  /** Open tasks escalated to a department head, per department ('' for none). */
  escalatedByDepartment(): Promise<Map<string, number>> {
    return this.openByDepartment(`escalated_at IS NOT NULL`, []);
  }

  private async openByDepartment(condition: string, params: unknown[]): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ department: string; n: number }>(
      `SELECT coalesce(department, '') AS department, count(*)::int AS n FROM follow_up_tasks WHERE status = 'open' AND ${condition} GROUP BY 1`,
      params,
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
    source: sourceOf(row),
    openedBy: row.opened_by as string,
    openedAt: (row.opened_at as Date).toISOString(),
    closedBy: (row.closed_by as string | null) ?? null,
    closedAt: row.closed_at ? (row.closed_at as Date).toISOString() : null,
    overdue: row.overdue as boolean,
    escalatedAt: row.escalated_at ? (row.escalated_at as Date).toISOString() : null,
    escalatedTo: (row.escalated_to as string | null) ?? null,
  };
}

function sourceOf(row: Record<string, unknown>): FollowUpSource {
  if (row.source_kind === 'checkup') return { kind: 'checkup', visitId: row.source_visit_id as string };
  if (row.source_kind === 'plan') return { kind: 'plan', planId: row.source_plan_id as string, occurrence: row.source_occurrence as number };
  return { kind: 'manual' };
}
