import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { FollowUpEvent, followUpStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches, forgetRecordStream } from '../subject-records/record-erasure';

const STREAM_PREFIX = followUpStream('');
const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/**
 * `follow_up_tasks`: one row per task for the work queues and overdue counts; the row's `version`
 * (the stream version applied) makes a replayed event change nothing. Sealed values stay as their
 * events sealed them; the customer's rows go when an erasure reaches `service_interactions`.
 */
export class FollowUpTasksProjection implements Projection {
  readonly name = 'follow_up_tasks';
  readonly version = 1;
  readonly tables = ['follow_up_tasks'];
  readonly eventTypes: ReadonlySet<string> = new Set<string>([
    'FollowUpOpened',
    'FollowUpReassigned',
    'FollowUpCompleted',
    'FollowUpCancelled',
    'FollowUpTaskEscalated',
    'SubjectErased',
  ]);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const t = batch.table('follow_up_tasks');
    for (const recorded of events) {
      const event = recorded as unknown as FollowUpEvent<unknown> | Extract<SubjectEvent, { type: 'SubjectErased' }>;
      const version = recorded.streamVersion;
      switch (event.type) {
        case 'SubjectErased':
          if (erasureReaches(event, 'service_interactions')) await batch.client.query(`DELETE FROM ${t} WHERE subject_id = $1`, [event.data.subjectId]);
          break;
        case 'FollowUpOpened': {
          const d = event.data;
          await batch.client.query(
            `INSERT INTO ${t} (task_id, subject_id, due_date, assignee, department, channel, status, source_kind, source_visit_id, note, opened_by, opened_at, version,
               source_plan_id, source_occurrence)
             VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (task_id) DO NOTHING`,
            [
              d.taskId,
              d.subjectId,
              d.dueDate,
              d.assignee,
              d.department,
              d.channel,
              d.source.kind,
              d.source.kind === 'checkup' ? d.source.visitId : null,
              json(d.note),
              d.openedBy,
              d.openedAt,
              version,
              d.source.kind === 'plan' ? d.source.planId : null,
              d.source.kind === 'plan' ? d.source.occurrence : null,
            ],
          );
          break;
        }
        case 'FollowUpReassigned':
          await batch.client.query(`UPDATE ${t} SET assignee = $2, department = $3, version = $4 WHERE task_id = $1 AND version < $4`, [
            event.data.taskId,
            event.data.assignee,
            event.data.department,
            version,
          ]);
          break;
        case 'FollowUpTaskEscalated':
          await batch.client.query(`UPDATE ${t} SET escalated_at = $2, escalated_to = $3, version = $4 WHERE task_id = $1 AND version < $4`, [
            event.data.taskId,
            event.data.escalatedAt,
            event.data.escalatedTo,
            version,
          ]);
          break;
        case 'FollowUpCompleted':
        case 'FollowUpCancelled': {
          const done = event.type === 'FollowUpCompleted';
          const [value, by, at] = done ? [event.data.outcome, event.data.completedBy, event.data.completedAt] : [event.data.reason, event.data.cancelledBy, event.data.cancelledAt];
          await batch.client.query(
            `UPDATE ${t} SET status = $2, ${done ? 'outcome' : 'cancel_reason'} = $3, closed_by = $4, closed_at = $5, version = $6 WHERE task_id = $1 AND version < $6`,
            [event.data.taskId, done ? 'done' : 'cancelled', json(value), by, at, version],
          );
          break;
        }
        default: {
          const unknown: never = event;
          throw new Error(`unexpected event ${(unknown as { type: string }).type}`);
        }
      }
    }
  }

  forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    return forgetRecordStream(batch, streamId, { table: 'follow_up_tasks', idColumn: 'task_id', streamPrefix: STREAM_PREFIX });
  }
}
