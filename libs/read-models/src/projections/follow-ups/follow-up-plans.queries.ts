import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { FollowUpChannel } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import type { FollowUpPlanEndCause, FollowUpPlanStatus } from '@pi-ledger/ledger-domain/follow-ups/follow-up-plan.events';
import type { PlanSchedule } from '@pi-ledger/ledger-domain/follow-ups/plan-schedule';

/** A plan as listed: its schedule and state in clear, its reason as sealed. */
export interface FollowUpPlanRow {
  planId: string;
  subjectId: string;
  status: FollowUpPlanStatus;
  schedule: PlanSchedule;
  channel: FollowUpChannel;
  assignee: string | null;
  department: string | null;
  purposeId: string;
  nextOccurrence: number;
  /** null once the plan has no occurrence left (ended, or past its count or end date). */
  nextDueDate: string | null;
  lastTaskId: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  endCause: FollowUpPlanEndCause | null;
  version: number;
  sealed: { reason: unknown };
}

const COLUMNS = `plan_id, subject_id, status, every, unit, start_date::text AS start_date, end_date::text AS end_date, occurrences, lead_days, channel, assignee,
  department, purpose_id, reason, next_occurrence, next_due_date::text AS next_due_date, last_task_id, created_by, created_at, updated_at, end_cause, version`;

@Injectable()
export class FollowUpPlanQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A customer's plans, newest first. */
  async bySubject(subjectId: string): Promise<FollowUpPlanRow[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM follow_up_plans WHERE subject_id = $1 ORDER BY created_at DESC, plan_id DESC`, [subjectId]);
    return rows.map(toRow);
  }

  async find(planId: string): Promise<FollowUpPlanRow | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM follow_up_plans WHERE plan_id = $1`, [planId]);
    return rows[0] && toRow(rows[0]);
  }

  /** Active plans whose next task opens on or before `today`, after the id `after` (the sweep's candidates, each decided again on its stream). */
  async due(today: string, after: string, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ plan_id: string }>(
      `SELECT plan_id FROM follow_up_plans WHERE status = 'active' AND next_open_date <= $1::date AND plan_id > $2 ORDER BY plan_id LIMIT $3`,
      [today, after, limit],
    );
    return rows.map((row) => row.plan_id);
  }

  /** The plans of a subject that have not ended (erasure ends them). */
  async unendedOf(subjectId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ plan_id: string }>(`SELECT plan_id FROM follow_up_plans WHERE subject_id = $1 AND status <> 'ended'`, [subjectId]);
    return rows.map((row) => row.plan_id);
  }
}

function toRow(row: Record<string, unknown>): FollowUpPlanRow {
  return {
    planId: row.plan_id as string,
    subjectId: row.subject_id as string,
    status: row.status as FollowUpPlanStatus,
    schedule: {
      every: row.every as number,
      unit: row.unit as PlanSchedule['unit'],
      startDate: row.start_date as string,
      endDate: (row.end_date as string | null) ?? null,
      occurrences: (row.occurrences as number | null) ?? null,
      leadDays: row.lead_days as number,
    },
    channel: row.channel as FollowUpChannel,
    assignee: (row.assignee as string | null) ?? null,
    department: (row.department as string | null) ?? null,
    purposeId: row.purpose_id as string,
    nextOccurrence: row.next_occurrence as number,
    nextDueDate: (row.next_due_date as string | null) ?? null,
    lastTaskId: (row.last_task_id as string | null) ?? null,
    createdBy: row.created_by as string,
    createdAt: (row.created_at as Date).toISOString(),
    updatedAt: (row.updated_at as Date).toISOString(),
    endCause: (row.end_cause as FollowUpPlanEndCause | null) ?? null,
    version: row.version as number,
    sealed: { reason: row.reason },
  };
}
