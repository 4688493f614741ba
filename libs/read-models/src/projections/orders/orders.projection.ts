import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { OrderEvent, orderStream } from '@pi-ledger/ledger-domain/orders/order.events';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches, forgetRecordStream } from '../subject-records/record-erasure';

const STREAM_PREFIX = orderStream('');

/**
 * `orders`: one row per order for the customer's list, the timeline and reconciliation; the row's
 * `version` (the stream version applied) makes a replayed event change nothing. Sealed values stay
 * as their events sealed them; the customer's rows go when an erasure reaches `consumption`.
 */
export class OrdersProjection implements Projection {
  readonly name = 'orders';
  readonly version = 1;
  readonly tables = ['orders'];
  readonly eventTypes: ReadonlySet<string> = new Set<string>(['OrderPlaced', 'OrderPaid', 'OrderCancelled', 'OrderRefunded', 'SubjectErased']);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const t = batch.table('orders');
    for (const recorded of events) {
      const event = recorded as unknown as OrderEvent<unknown, unknown> | Extract<SubjectEvent, { type: 'SubjectErased' }>;
      const version = recorded.streamVersion;
      const update = (set: string, values: unknown[]) =>
        batch.client.query(`UPDATE ${t} SET ${set}, version = $2 WHERE order_id = $1 AND version < $2`, [(event.data as { orderId?: string }).orderId, version, ...values]);
      switch (event.type) {
        case 'SubjectErased':
          if (erasureReaches(event, 'consumption')) await batch.client.query(`DELETE FROM ${t} WHERE subject_id = $1`, [event.data.subjectId]);
          break;
        case 'OrderPlaced': {
          const d = event.data;
          await batch.client.query(
            `INSERT INTO ${t} (order_id, order_number, subject_id, order_date, status, currency, amount_fen, contents, placed_by, placed_at, version)
             VALUES ($1, $2, $3, $4, 'placed', $5, $6, $7, $8, $9, $10) ON CONFLICT (order_id) DO NOTHING`,
            [d.orderId, d.orderNumber, d.subjectId, d.orderDate, d.currency, d.amountFen, JSON.stringify(d.contents), d.placedBy, d.placedAt, version],
          );
          break;
        }
        case 'OrderPaid':
          await update(`status = 'paid', payment_method = $3, paid_by = $4, paid_at = $5`, [event.data.paymentMethod, event.data.paidBy, event.data.paidAt]);
          break;
        case 'OrderCancelled':
          await update(`status = 'cancelled', cancel_reason = $3, cancelled_by = $4, cancelled_at = $5`, [
            event.data.reason === undefined ? null : JSON.stringify(event.data.reason),
            event.data.cancelledBy,
            event.data.cancelledAt,
          ]);
          break;
        case 'OrderRefunded': {
          const { refundId, amountFen, reason, refundedBy, refundedAt } = event.data;
          await update(
            `refunded_fen = refunded_fen + $3, status = CASE WHEN refunded_fen + $3 >= amount_fen THEN 'refunded' ELSE 'partially_refunded' END, refunds = refunds || $4::jsonb`,
            [amountFen, JSON.stringify([{ refundId, amountFen, reason, refundedBy, refundedAt }])],
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
    return forgetRecordStream(batch, streamId, { table: 'orders', idColumn: 'order_id', streamPrefix: STREAM_PREFIX });
  }
}
