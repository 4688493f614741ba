import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { MessageCategory, MessageEvent, messageSourceRef, messageStream } from '@pi-ledger/ledger-domain/messages/message.events';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches, forgetRecordStream } from '../subject-records/record-erasure';

const STREAM_PREFIX = messageStream('');
const CATEGORIES: readonly MessageCategory[] = ['service_interactions', 'contact'];

/**
 * `outbox_messages`: one row per message, what the delivery sweep and the ops view read, the row's
 * `version` making a replayed event change nothing. An erasure that reaches a message's category
 * drops its sealed recipient and content at once; a message still queued stays as a bare
 * `cancelling` row (ids and kind, no value) until the sweep records its cancellation, which removes
 * it; every other row of the customer goes.
 */
export class OutboxMessagesProjection implements Projection {
  readonly name = 'outbox_messages';
  readonly version = 1;
  readonly tables = ['outbox_messages'];
  readonly eventTypes: ReadonlySet<string> = new Set<string>(['MessageQueued', 'MessageSent', 'MessageFailed', 'MessageCancelled', 'SubjectErased']);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const t = batch.table('outbox_messages');
    for (const recorded of events) {
      const event = recorded as unknown as MessageEvent | Extract<SubjectEvent, { type: 'SubjectErased' }>;
      const version = recorded.streamVersion;
      switch (event.type) {
        case 'SubjectErased':
          for (const category of CATEGORIES) {
            if (!erasureReaches(event, category)) continue;
            const subject = [event.data.subjectId, category];
            await batch.client.query(
              `UPDATE ${t} SET status = 'cancelling', recipient = NULL, content = NULL WHERE subject_id = $1 AND category = $2 AND status = 'queued'`,
              subject,
            );
            await batch.client.query(`DELETE FROM ${t} WHERE subject_id = $1 AND category = $2 AND status <> 'cancelling'`, subject);
          }
          break;
        case 'MessageQueued': {
          const d = event.data;
          const ref = messageSourceRef(d.source);
          await batch.client.query(
            `INSERT INTO ${t} (message_id, subject_id, kind, channel, purpose_id, category, source_kind, source_ref, status, attempts, next_attempt_at, recipient, content, queued_by, queued_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $10, $11, $12, $9, $13) ON CONFLICT (message_id) DO NOTHING`,
            [
              d.messageId,
              d.subjectId,
              d.kind,
              d.channel,
              d.purposeId,
              d.category,
              d.source.kind,
              ref,
              d.queuedAt,
              JSON.stringify(d.recipient),
              JSON.stringify(d.content),
              d.queuedBy,
              version,
            ],
          );
          break;
        }
        case 'MessageSent':
          await batch.client.query(
            `UPDATE ${t} SET status = 'sent', attempts = $2, next_attempt_at = NULL, closed_at = $3, version = $4 WHERE message_id = $1 AND version < $4 AND status = 'queued'`,
            [event.data.messageId, event.data.attempt, event.data.sentAt, version],
          );
          break;
        case 'MessageFailed': {
          const d = event.data;
          await batch.client.query(
            `UPDATE ${t} SET status = $2, attempts = $3, last_error = $4, next_attempt_at = $5, closed_at = $6, version = $7 WHERE message_id = $1 AND version < $7 AND status = 'queued'`,
            [d.messageId, d.final ? 'failed' : 'queued', d.attempt, d.errorCode, d.nextAttemptAt, d.final ? d.failedAt : null, version],
          );
          break;
        }
        case 'MessageCancelled':
          if (event.data.reason === 'subject-erased') await batch.client.query(`DELETE FROM ${t} WHERE message_id = $1`, [event.data.messageId]);
          else
            await batch.client.query(
              `UPDATE ${t} SET status = 'cancelled', last_error = $2, next_attempt_at = NULL, closed_at = $3, version = $4 WHERE message_id = $1 AND version < $4`,
              [event.data.messageId, event.data.reason, event.data.cancelledAt, version],
            );
          break;
        default: {
          const unknown: never = event;
          throw new Error(`unexpected event ${(unknown as { type: string }).type}`);
        }
      }
    }
  }

  forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    return forgetRecordStream(batch, streamId, { table: 'outbox_messages', idColumn: 'message_id', streamPrefix: STREAM_PREFIX });
  }
}
