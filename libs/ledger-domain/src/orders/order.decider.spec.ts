import { InvalidInput } from '../domain-error';
import { decideOrder, evolveOrder, initialOrderState, OrderCommand, refundableFen } from './order.decider';
import { OrderEvent } from './order.events';
import { decideOrderNumber, evolveOrderNumbers, initialOrderNumberState, parseOrderNumber } from './order-number';

const NOW = '2026-06-01T02:00:00.000Z';
const at = { orderId: 'o1', actor: 'fd-1', now: NOW };
const place = (overrides: Partial<Extract<OrderCommand, { type: 'PlaceOrder' }>> = {}): OrderCommand => ({
  ...at,
  type: 'PlaceOrder',
  subjectId: 's1',
  orderNumber: 'O2026000001',
  orderDate: '2026-06-01',
  items: [
    { kind: 'service', code: 'PKG-A', name: '标准体检套餐', quantity: 1, unitPriceFen: 128_000 },
    { kind: 'product', code: 'VIT-D', name: '维生素D滴剂', quantity: 3, unitPriceFen: 4_550 },
  ],
  today: '2026-06-01',
  ...overrides,
});
const given = (...events: OrderEvent[]) => events.reduce(evolveOrder, initialOrderState());
const placed = () => decideOrder(place(), given());
const paid = () => [...placed(), ...decideOrder({ ...at, type: 'PayOrder', paymentMethod: 'wechat_pay' }, given(...placed()))];
const refund = (amountFen: number, refundId = 'r1'): OrderCommand => ({ ...at, type: 'RefundOrder', refundId, amountFen, reason: '客户取消维生素' });
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'none';
};
const pathsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof InvalidInput ? error.errors.map((problem) => problem.path) : [];
  }
  return [];
};

describe('order decider', () => {
  describe('a new order', () => {
    it('prices every line and seals the contents, the total computed in fen', () => {
      expect(placed()).toEqual([
        {
          type: 'OrderPlaced',
          data: {
            orderId: 'o1',
            subjectId: 's1',
            orderNumber: 'O2026000001',
            orderDate: '2026-06-01',
            currency: 'CNY',
            amountFen: 141_650,
            placedBy: 'fd-1',
            placedAt: NOW,
            contents: {
              items: [
                { kind: 'service', code: 'PKG-A', name: '标准体检套餐', quantity: 1, unitPriceFen: 128_000, amountFen: 128_000 },
                { kind: 'product', code: 'VIT-D', name: '维生素D滴剂', quantity: 3, unitPriceFen: 4_550, amountFen: 13_650 },
              ],
            },
          },
        },
      ]);
    });

    it('accepts the client’s total when it is the sum, and refuses another naming amountFen', () => {
      expect(decideOrder(place({ amountFen: 141_650 }), given())[0].data).toMatchObject({ amountFen: 141_650 });
      expect(pathsOf(() => decideOrder(place({ amountFen: 141_600 }), given()))).toEqual(['amountFen']);
    });

    it.each([
      [{ orderDate: '2026-06-02' }, ['orderDate']],
      [{ orderDate: '2026-02-30' }, ['orderDate']],
      [{ items: [] }, ['items']],
      [{ items: [{ kind: 'product', code: 'A', name: 'a', quantity: 1.5, unitPriceFen: 100 }] }, ['items[0].quantity']],
      [{ items: [{ kind: 'product', code: 'A', name: 'a', quantity: 1, unitPriceFen: 99.9 }] }, ['items[0].unitPriceFen']],
      [{ items: [{ kind: 'product', code: 'A', name: 'a', quantity: 0, unitPriceFen: -1 }] }, ['items[0].quantity', 'items[0].unitPriceFen']],
      [
        {
          items: [
            { kind: 'product', code: 'a', name: 'a', quantity: 1, unitPriceFen: 1 },
            { kind: 'product', code: 'A ', name: 'b', quantity: 1, unitPriceFen: 1 },
          ],
        },
        ['items[1].code'],
      ],
      [{ items: [{ kind: 'product', code: 'A', name: 'a', quantity: 2 ** 30, unitPriceFen: 2 ** 30 }] }, ['items']],
    ] as Array<[Partial<Extract<OrderCommand, { type: 'PlaceOrder' }>>, string[]]>)('refuses %j naming %j', (overrides, paths) => {
      expect(pathsOf(() => decideOrder(place(overrides), given()))).toEqual(paths);
    });

    it('lets a product and a service share a code', () => {
      const items = [
        { kind: 'product' as const, code: 'A', name: 'a', quantity: 1, unitPriceFen: 1 },
        { kind: 'service' as const, code: 'A', name: 'b', quantity: 1, unitPriceFen: 2 },
      ];
      expect(decideOrder(place({ items }), given())[0].data).toMatchObject({ amountFen: 3 });
    });

    it('refuses every change of an order that does not exist', () => {
      expect(codeOf(() => decideOrder({ ...at, type: 'PayOrder', paymentMethod: 'cash' }, given()))).toBe('order-not-found');
      expect(codeOf(() => decideOrder(refund(1), given()))).toBe('order-not-found');
    });
  });

  describe('a placed order', () => {
    it('refuses to be placed again', () => {
      expect(codeOf(() => decideOrder(place(), given(...placed())))).toBe('order-exists');
    });

    it('is paid in full by a method, and a payment of another amount is refused', () => {
      const state = given(...placed());
      expect(decideOrder({ ...at, type: 'PayOrder', paymentMethod: 'alipay', amountFen: 141_650 }, state)).toEqual([
        { type: 'OrderPaid', data: { orderId: 'o1', subjectId: 's1', paymentMethod: 'alipay', amountFen: 141_650, paidBy: 'fd-1', paidAt: NOW } },
      ]);
      expect(codeOf(() => decideOrder({ ...at, type: 'PayOrder', paymentMethod: 'alipay', amountFen: 100 }, state))).toBe('payment-amount-mismatch');
    });

    it('is cancelled, with or without a reason, and cannot be refunded before it is paid', () => {
      const state = given(...placed());
      expect(decideOrder({ ...at, type: 'CancelOrder' }, state)[0]).toEqual({
        type: 'OrderCancelled',
        data: { orderId: 'o1', subjectId: 's1', cancelledBy: 'fd-1', cancelledAt: NOW },
      });
      expect(decideOrder({ ...at, type: 'CancelOrder', reason: '客户改期' }, state)[0].data).toMatchObject({ reason: '客户改期' });
      expect(codeOf(() => decideOrder(refund(100), state))).toBe('order-not-refundable');
      expect(refundableFen(state as Extract<typeof state, { amountFen: number }>)).toBe(0);
      expect(refundableFen(given(...paid()) as Extract<typeof state, { amountFen: number }>)).toBe(141_650);
    });
  });

  describe('a paid order', () => {
    it('cannot be cancelled (refund it instead) nor paid again', () => {
      const state = given(...paid());
      expect(codeOf(() => decideOrder({ ...at, type: 'CancelOrder' }, state))).toBe('order-not-cancellable');
      expect(codeOf(() => decideOrder({ ...at, type: 'PayOrder', paymentMethod: 'cash' }, state))).toBe('order-not-payable');
    });

    it('is refunded in parts up to what is left, each refund its own event, then in full', () => {
      let events = paid();
      const first = decideOrder(refund(13_650), given(...events));
      expect(first).toEqual([
        { type: 'OrderRefunded', data: { orderId: 'o1', subjectId: 's1', refundId: 'r1', amountFen: 13_650, reason: '客户取消维生素', refundedBy: 'fd-1', refundedAt: NOW } },
      ]);
      events = [...events, ...first];
      expect(given(...events)).toMatchObject({ status: 'partially_refunded', refundedFen: 13_650 });
      expect(codeOf(() => decideOrder(refund(128_001, 'r2'), given(...events)))).toBe('refund-exceeds-remaining');
      events = [...events, ...decideOrder(refund(128_000, 'r2'), given(...events))];
      expect(given(...events)).toMatchObject({ status: 'refunded', refundedFen: 141_650 });
      expect(codeOf(() => decideOrder(refund(1, 'r3'), given(...events)))).toBe('order-not-refundable');
      expect(codeOf(() => decideOrder({ ...at, type: 'CancelOrder' }, given(...events)))).toBe('order-not-cancellable');
    });

    it('refuses a refund of nothing, a negative one or a fraction of a fen, naming amountFen', () => {
      for (const amountFen of [0, -5, 1.5]) expect(pathsOf(() => decideOrder(refund(amountFen), given(...paid())))).toEqual(['amountFen']);
    });

    it('says how much is left when a refund is too large', () => {
      expect(() => decideOrder(refund(141_651), given(...paid()))).toThrow(
        expect.objectContaining({ code: 'refund-exceeds-remaining', details: { orderId: 'o1', remainingFen: 141_650 } }),
      );
    });
  });

  describe('a cancelled order', () => {
    it('refuses payment, refund and another cancellation', () => {
      const state = given(...placed(), ...decideOrder({ ...at, type: 'CancelOrder' }, given(...placed())));
      expect(state.status).toBe('cancelled');
      expect(codeOf(() => decideOrder({ ...at, type: 'PayOrder', paymentMethod: 'cash' }, state))).toBe('order-not-payable');
      expect(codeOf(() => decideOrder(refund(1), state))).toBe('order-not-refundable');
      expect(codeOf(() => decideOrder({ ...at, type: 'CancelOrder' }, state))).toBe('order-not-cancellable');
    });
  });
});

describe('order numbers', () => {
  it('count each year’s orders from 1 in China time, at least six digits', () => {
    const first = decideOrderNumber({ orderId: 'o1', now: '2026-12-31T16:30:00.000Z' }, initialOrderNumberState());
    expect(first[0].data).toEqual({ orderId: 'o1', year: 2027, sequence: 1, orderNumber: 'O2027000001', allocatedAt: '2026-12-31T16:30:00.000Z' });
    const state = evolveOrderNumbers({ last: 999_999 }, first[0]);
    expect(decideOrderNumber({ orderId: 'o2', now: NOW }, state)[0].data.orderNumber).toBe('O20261000000');
  });

  it('parse as typed, or refuse naming the path', () => {
    expect(parseOrderNumber(' o2026000123 ', 'orderId')).toBe('O2026000123');
    expect(() => parseOrderNumber('C2026000123', 'orderId')).toThrow(/orderId/);
  });
});
