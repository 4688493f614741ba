import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { FollowUpPlanEvent, followUpPlanStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up-plan.events';
import { dueDateOf, exhaustedBy, openDateOf, PlanSchedule } from '@pi-ledger/ledger-domain/follow-ups/plan-schedule';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches, forgetRecordStream } from '../subject-records/record-erasure';

const STREAM_PREFIX = followUpPlanStream('');

/** The next occurrence's due and open dates, null when the plan has none left. */
function nextDates(schedule: PlanSchedule, occurrence: number): [string | null, string | null] {
  return exhaustedBy(schedule, occurrence) === null ? [dueDateOf(schedule, occurrence), openDateOf(schedule, occurrence)] : [null, null];
}

/**
 * `follow_up_plans`: one row per recurring plan, with its next occurrence's dates for the sweep's
 * candidates and the customer's list; the row's `version` (the stream version applied) makes a
 * replayed event change nothing. The reason stays as its event sealed it; the customer's rows go
 * when an erasure reaches `service_interactions`.
 */
export class FollowUpPlansProjection implements Projection {
  readonly name = 'follow_up_plans';
  readonly version = 1;
  readonly tables = ['follow_up_plans'];
  readonly eventTypes: ReadonlySet<string> = new Set<string>([
    'FollowUpPlanCreated',
    'FollowUpPlanPaused',
    'FollowUpPlanResumed',
    'FollowUpPlanOccurrenceOpened',
    'FollowUpPlanEnded',
    'SubjectErased',
  ]);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const t = batch.table('follow_up_plans');
    const update = (planId: string, version: number, set: string, values: unknown[]) =>
      batch.client.query(`UPDATE ${t} SET ${set}, version = $2 WHERE plan_id = $1 AND version < $2`, [planId, version, ...values]);
    const scheduleOf = async (planId: string): Promise<PlanSchedule | undefined> => {
      const { rows } = await batch.client.query(
        `SELECT every, unit, start_date::text AS start_date, end_date::text AS end_date, occurrences, lead_days FROM ${t} WHERE plan_id = $1`,
        [planId],
      );
      const row = rows[0];
      return row && { every: row.every, unit: row.unit, startDate: row.start_date, endDate: row.end_date, occurrences: row.occurrences, leadDays: row.lead_days };
    };
    const moveTo = async (planId: string, version: number, occurrence: number, at: string, extra: string, values: unknown[]) => {
      const schedule = await scheduleOf(planId);
      if (!schedule) return;
      const [due, open] = nextDates(schedule, occurrence);
      await update(planId, version, `next_occurrence = $3, next_due_date = $4, next_open_date = $5, updated_at = $6${extra}`, [occurrence, due, open, at, ...values]);
    };
    for (const recorded of events) {
      const event = recorded as unknown as FollowUpPlanEvent<unknown> | Extract<SubjectEvent, { type: 'SubjectErased' }>;
      const version = recorded.streamVersion;
      switch (event.type) {
        case 'SubjectErased':
          if (erasureReaches(event, 'service_interactions')) await batch.client.query(`DELETE FROM ${t} WHERE subject_id = $1`, [event.data.subjectId]);
          break;
        case 'FollowUpPlanCreated': {
          const d = event.data;
          const s = d.schedule;
          const [due, open] = nextDates(s, 1);
          await batch.client.query(
            `INSERT INTO ${t} (plan_id, subject_id, status, every, unit, start_date, end_date, occurrences, lead_days, channel, assignee, department, purpose_id,
               reason, next_occurrence, next_due_date, next_open_date, created_by, created_at, updated_at, version)
             VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $16, $17, $17, $18) ON CONFLICT (plan_id) DO NOTHING`,
            [
              d.planId,
              d.subjectId,
              s.every,
              s.unit,
              s.startDate,
              s.endDate,
              s.occurrences,
              s.leadDays,
              d.channel,
              d.assignee,
              d.department,
              d.purposeId,
              JSON.stringify(d.reason),
            ].concat([due, open, d.createdBy, d.createdAt, version]),
          );
          break;
        }
        case 'FollowUpPlanPaused':
          await update(event.data.planId, version, `status = 'paused', updated_at = $3`, [event.data.pausedAt]);
          break;
        case 'FollowUpPlanResumed':
          await moveTo(event.data.planId, version, event.data.nextOccurrence, event.data.resumedAt, `, status = 'active'`, []);
          break;
        case 'FollowUpPlanOccurrenceOpened':
          await moveTo(event.data.planId, version, event.data.occurrence + 1, event.data.openedAt, `, last_task_id = $7`, [event.data.taskId]);
          break;
        case 'FollowUpPlanEnded':
          await update(event.data.planId, version, `status = 'ended', end_cause = $3, next_due_date = NULL, next_open_date = NULL, updated_at = $4`, [
            event.data.cause,
            event.data.endedAt,
          ]);
          break;
        default: {
          const unknown: never = event;
          throw new Error(`unexpected event ${(unknown as { type: string }).type}`);
        }
      }
    }
  }

  forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    return forgetRecordStream(batch, streamId, { table: 'follow_up_plans', idColumn: 'plan_id', streamPrefix: STREAM_PREFIX });
  }
}
