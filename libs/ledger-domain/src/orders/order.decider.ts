import { DomainError, FieldProblem, InvalidInput } from '../domain-error';
import { isRealDate } from '../validation/resident-id';
import type { OrderErrorCode } from './order.errors';
import { OrderEvent, OrderItem, OrderItemKind, OrderStatus, PaymentMethod } from './order.events';

export interface OrderItemInput {
  kind: OrderItemKind;
  code: string;
  name: string;
  quantity: number;
  unitPriceFen: number;
}

interface Context {
  orderId: string;
  actor: string;
  now: string;
}

export type OrderCommand =
  | (Context & {
      type: 'PlaceOrder';
      subjectId: string;
      orderNumber: string;
      orderDate: string;
      items: OrderItemInput[];
      /** The total the client computed, when it sent one: it must be the items' sum. */
      amountFen?: number;
      note?: string;
      /** The decision's date in China. */
      today: string;
    })
  | (Context & { type: 'PayOrder'; paymentMethod: PaymentMethod; amountFen?: number })
  | (Context & { type: 'CancelOrder'; reason?: string })
  | (Context & { type: 'RefundOrder'; refundId: string; amountFen: number; reason: string });

export type OrderState =
  | { status: 'absent' }
  | { status: OrderStatus; orderId: string; subjectId: string; orderNumber: string; amountFen: number; refundedFen: number; paymentMethod: PaymentMethod | null };

export const initialOrderState = (): OrderState => ({ status: 'absent' });

export function evolveOrder(state: OrderState, event: OrderEvent<unknown, unknown>): OrderState {
  if (event.type === 'OrderPlaced') {
    const { orderId, subjectId, orderNumber, amountFen } = event.data;
    return { status: 'placed', orderId, subjectId, orderNumber, amountFen, refundedFen: 0, paymentMethod: null };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'OrderPaid':
      return { ...state, status: 'paid', paymentMethod: event.data.paymentMethod };
    case 'OrderCancelled':
      return { ...state, status: 'cancelled' };
    case 'OrderRefunded': {
      const refundedFen = state.refundedFen + event.data.amountFen;
      return { ...state, refundedFen, status: refundedFen >= state.amountFen ? 'refunded' : 'partially_refunded' };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** What is left to refund of a paid order, in fen. */
export const refundableFen = (state: { status: OrderStatus; amountFen: number; refundedFen: number }): number => (isPaid(state.status) ? state.amountFen - state.refundedFen : 0);

const isPaid = (status: OrderStatus) => status === 'paid' || status === 'partially_refunded';

export function decideOrder(command: OrderCommand, state: OrderState): OrderEvent[] {
  const { orderId, actor, now } = command;
  if (command.type === 'PlaceOrder') {
    if (state.status !== 'absent') throw refusal('order-exists', `order ${orderId} exists already`, { orderId });
    const items = pricedItems(command);
    const amountFen = items.reduce((sum, item) => sum + item.amountFen, 0);
    if (command.amountFen !== undefined && command.amountFen !== amountFen) {
      throw new InvalidInput([{ path: 'amountFen', message: `must be the sum of the items’ quantity × unitPriceFen (${amountFen})` }]);
    }
    const { subjectId, orderNumber, orderDate, note } = command;
    const contents = { items, ...(note === undefined ? {} : { note }) };
    return [{ type: 'OrderPlaced', data: { orderId, subjectId, orderNumber, orderDate, currency: 'CNY', amountFen, placedBy: actor, placedAt: now, contents } }];
  }
  if (state.status === 'absent') throw refusal('order-not-found', 'no such order', { orderId });
  const { subjectId, status } = state;
  switch (command.type) {
    case 'PayOrder':
      if (status !== 'placed') throw refusal('order-not-payable', `the order is ${status}`, { orderId, status });
      if (command.amountFen !== undefined && command.amountFen !== state.amountFen) {
        throw refusal('payment-amount-mismatch', 'the payment must be the order’s amount', { orderId, amountFen: state.amountFen });
      }
      return [{ type: 'OrderPaid', data: { orderId, subjectId, paymentMethod: command.paymentMethod, amountFen: state.amountFen, paidBy: actor, paidAt: now } }];
    case 'CancelOrder':
      // a paid order is refunded, never cancelled: the money must be seen to go back
      if (status !== 'placed') throw refusal('order-not-cancellable', `the order is ${status}${isPaid(status) ? ': refund it instead' : ''}`, { orderId, status });
      return [{ type: 'OrderCancelled', data: { orderId, subjectId, ...(command.reason === undefined ? {} : { reason: command.reason }), cancelledBy: actor, cancelledAt: now } }];
    case 'RefundOrder': {
      if (!isPaid(status)) throw refusal('order-not-refundable', `the order is ${status}`, { orderId, status });
      if (!Number.isSafeInteger(command.amountFen) || command.amountFen <= 0) throw new InvalidInput([{ path: 'amountFen', message: 'must be a positive whole number of fen' }]);
      const remainingFen = refundableFen(state);
      if (command.amountFen > remainingFen) {
        throw refusal('refund-exceeds-remaining', `at most ${remainingFen} fen is left to refund`, { orderId, remainingFen });
      }
      const { refundId, amountFen, reason } = command;
      return [{ type: 'OrderRefunded', data: { orderId, subjectId, refundId, amountFen, reason, refundedBy: actor, refundedAt: now } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

const refusal = (code: OrderErrorCode, message: string, details: Record<string, unknown>) => new DomainError<OrderErrorCode>(code, message, details);

/** Each line priced; what the shape checks at the edge cannot know: the date against the clock, a line twice, sums past exact integers. */
function pricedItems(command: Extract<OrderCommand, { type: 'PlaceOrder' }>): OrderItem[] {
  const problems: FieldProblem[] = [];
  if (!isRealDate(command.orderDate)) problems.push({ path: 'orderDate', message: 'must be a real date, YYYY-MM-DD' });
  else if (command.orderDate > command.today) problems.push({ path: 'orderDate', message: 'must not be after today' });
  if (command.items.length === 0) problems.push({ path: 'items', message: 'an order has at least one item' });
  const seen = new Set<string>();
  const items = command.items.map((item, index): OrderItem => {
    const key = `${item.kind}:${item.code.trim().toUpperCase()}`;
    if (seen.has(key)) problems.push({ path: `items[${index}].code`, message: 'a product or service appears once per order: raise its quantity' });
    seen.add(key);
    for (const field of ['quantity', 'unitPriceFen'] as const) {
      const min = field === 'quantity' ? 1 : 0;
      if (!Number.isSafeInteger(item[field]) || item[field] < min) problems.push({ path: `items[${index}].${field}`, message: `must be a whole number ≥ ${min}` });
    }
    return { kind: item.kind, code: item.code, name: item.name, quantity: item.quantity, unitPriceFen: item.unitPriceFen, amountFen: item.quantity * item.unitPriceFen };
  });
  if (problems.length === 0 && !Number.isSafeInteger(items.reduce((sum, item) => sum + item.amountFen, 0))) problems.push({ path: 'items', message: 'the total is too large' });
  if (problems.length > 0) throw new InvalidInput(problems);
  return items;
}
