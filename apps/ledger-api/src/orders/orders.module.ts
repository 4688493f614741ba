import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { OrderErrorCode } from '@pi-ledger/ledger-domain/orders/order.errors';
import { OrderQueries } from '@pi-ledger/read-models/projections/orders/orders.queries';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { OrdersHttpController } from './orders.http.controller';
import { OrdersService } from './orders.service';

registerProblemCodes({
  'order-exists': { status: 409, title: 'Order already exists' },
  'order-not-found': { status: 404, title: 'Order not found' },
  'order-not-payable': { status: 409, title: 'Only a placed order can be paid' },
  'order-not-cancellable': { status: 409, title: 'Only an unpaid order can be cancelled; refund a paid one' },
  'order-not-refundable': { status: 409, title: 'Only a paid order can be refunded' },
  'refund-exceeds-remaining': { status: 422, title: 'The refund is more than is left to refund' },
  'payment-amount-mismatch': { status: 422, title: 'The payment is not the order’s amount' },
} satisfies Record<OrderErrorCode, unknown>);

/** Orders (消费记录): numbered, paid, cancelled, refunded; sealed under the customer's consumption key. */
@Module({
  imports: [SubjectRecordsModule],
  controllers: [OrdersHttpController],
  providers: [OrdersService, OrderQueries],
  exports: [OrdersService, OrderQueries],
})
export class OrdersModule {}
