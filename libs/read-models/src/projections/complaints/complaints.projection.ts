import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { ComplaintEvent, complaintStream, ComplaintTextCategory } from '@pi-ledger/ledger-domain/complaints/complaint.events';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches, forgetRecordStream } from '../subject-records/record-erasure';

const STREAM_PREFIX = complaintStream('');
const TEXT_CATEGORIES: readonly ComplaintTextCategory[] = ['service_interactions', 'health_records'];

/**
 * `complaints`: one row per complaint for the queues, deadlines and overdue counts; the row's
 * `version` (the stream version applied) makes a replayed event change nothing. The description and
 * latest reply stay as their events sealed them; a customer's rows go when an erasure reaches the
 * category their texts are sealed under. Notes are not kept here: reading one complaint folds its stream.
 */
export class ComplaintsProjection implements Projection {
  readonly name = 'complaints';
  readonly version = 1;
  readonly tables = ['complaints'];
  readonly eventTypes: ReadonlySet<string> = new Set<string>([
    'ComplaintReceived',
    'ComplaintAssigned',
    'ComplaintStarted',
    'ComplaintReplied',
    'ComplaintClosed',
    'ComplaintReopened',
    'ComplaintEscalated',
    'SubjectErased',
  ]);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const t = batch.table('complaints');
    for (const recorded of events) {
      const event = recorded as unknown as Exclude<ComplaintEvent<unknown>, { type: 'ComplaintNoted' }> | Extract<SubjectEvent, { type: 'SubjectErased' }>;
      const version = recorded.streamVersion;
      const update = (set: string, values: unknown[]) =>
        batch.client.query(`UPDATE ${t} SET ${set}, version = $2 WHERE complaint_id = $1 AND version < $2`, [
          (event.data as { complaintId: string }).complaintId,
          version,
          ...values,
        ]);
      switch (event.type) {
        case 'SubjectErased': {
          const reached = TEXT_CATEGORIES.filter((category) => erasureReaches(event, category));
          if (reached.length > 0) await batch.client.query(`DELETE FROM ${t} WHERE subject_id = $1 AND text_category = ANY($2::text[])`, [event.data.subjectId, reached]);
          break;
        }
        case 'ComplaintReceived': {
          const d = event.data;
          await batch.client.query(
            `INSERT INTO ${t} (complaint_id, subject_id, channel, category, severity, service_record_id, text_category, status, department, awaiting_reply,
                               reply_due_at, resolution_due_at, description, received_by, received_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, true, $9, $10, $11, $12, $13, $14) ON CONFLICT (complaint_id) DO NOTHING`,
            [
              d.complaintId,
              d.subjectId,
              d.channel,
              d.category,
              d.severity,
              d.serviceRecordId,
              d.description.category,
              d.department,
              d.replyDueAt,
              d.resolutionDueAt,
              JSON.stringify(d.description.text),
              d.receivedBy,
              d.receivedAt,
              version,
            ],
          );
          break;
        }
        case 'ComplaintAssigned':
          await update(`handler = $3, department = $4, status = CASE WHEN status = 'received' THEN 'assigned' ELSE status END`, [event.data.handler, event.data.department]);
          break;
        case 'ComplaintStarted':
          await update(`status = 'in_progress'`, []);
          break;
        case 'ComplaintReplied':
          await update(`status = 'replied', awaiting_reply = false, reply = $3, replied_at = $4`, [JSON.stringify(event.data.reply.text), event.data.repliedAt]);
          break;
        case 'ComplaintClosed':
          await update(`status = 'closed', satisfaction = $3, closed_at = $4`, [event.data.satisfaction, event.data.closedAt]);
          break;
        case 'ComplaintReopened':
          await update(`status = 'in_progress', awaiting_reply = true, reply_due_at = $3, resolution_due_at = $4, reopened = reopened + 1, closed_at = NULL`, [
            event.data.replyDueAt,
            event.data.resolutionDueAt,
          ]);
          break;
        case 'ComplaintEscalated': {
          const { trigger, dueAt, escalatedAt } = event.data;
          const deadline = trigger === 'reply_deadline' ? ', reply_escalated_due = $4' : trigger === 'resolution_deadline' ? ', resolution_escalated_due = $4' : '';
          await update(`escalations = escalations + 1, last_escalated_at = $3${deadline}`, deadline ? [escalatedAt, dueAt] : [escalatedAt]);
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
    return forgetRecordStream(batch, streamId, { table: 'complaints', idColumn: 'complaint_id', streamPrefix: STREAM_PREFIX });
  }
}
