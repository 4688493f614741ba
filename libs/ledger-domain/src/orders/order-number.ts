import { InvalidInput } from '../domain-error';
import { chinaYear, CustomerNumberState as SequenceState, initialCustomerNumberState } from '../customer-number/customer-number';

/**
 * An order's human-readable number (订单号): `O`, the year of the order's placing (China time), and
 * that year's sequence from 1, at least six digits, e.g. `O2026000123`. Allocated like customer
 * numbers (customer-number.ts): one stream a year (`order-numbers-<year>`) whose every event carries
 * its sequence, the next being the last one's plus one, appended with the version it was read at.
 * The number is allocated once the order passed every check, just before the order's own append.
 */
export interface OrderNumberAllocated {
  type: 'OrderNumberAllocated';
  data: { orderId: string; year: number; sequence: number; orderNumber: string; allocatedAt: string };
}

export const ORDER_NUMBER_PATTERN = /^O(\d{4})(\d{6,})$/;

export const orderNumberStream = (year: number) => `order-numbers-${year}`;

export const initialOrderNumberState: () => SequenceState = initialCustomerNumberState;

export function evolveOrderNumbers(state: SequenceState, event: OrderNumberAllocated): SequenceState {
  return { last: Math.max(state.last, event.data.sequence) };
}

export function decideOrderNumber(command: { orderId: string; now: string }, state: SequenceState): OrderNumberAllocated[] {
  const year = chinaYear(command.now);
  const sequence = state.last + 1;
  const orderNumber = `O${year}${String(sequence).padStart(6, '0')}`;
  return [{ type: 'OrderNumberAllocated', data: { orderId: command.orderId, year, sequence, orderNumber, allocatedAt: command.now } }];
}

/** A number as typed (case and surrounding spaces do not matter), or a 400 naming `path`. */
export function parseOrderNumber(text: string, path: string): string {
  const number = text.trim().toUpperCase();
  if (!ORDER_NUMBER_PATTERN.test(number)) throw new InvalidInput([{ path, message: 'must be an order number such as O2026000123' }]);
  return number;
}
