import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { orderStream } from '@pi-ledger/ledger-domain/orders/order.events';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { applyTwice, recordedEvent } from '../projection.testing';
import { TimelineQueries } from '../timeline/timeline.queries';
import { OrdersProjection } from './orders.projection';
import { OrderQueries } from './orders.queries';

const SEALED = { v: 1, kid: 'k', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };
const AT = '2026-06-01T02:00:00.000Z';

describe('orders projection (PostgreSQL), each event applied twice', () => {
  let database: TestDatabase;
  let queries: OrderQueries;
  const orders = new OrdersProjection();
  const [alice, bob] = [uuidv7(), uuidv7()];
  const order = uuidv7();
  const on = (version: number, id = order) => ({ streamId: orderStream(id), streamVersion: version });
  const placed = (orderId: string, subjectId: string, orderNumber: string, orderDate = '2026-05-30') =>
    recordedEvent(
      'OrderPlaced',
      { orderId, subjectId, orderNumber, orderDate, currency: 'CNY', amountFen: 141_650, placedBy: 'fd-1', placedAt: AT, contents: SEALED },
      { streamId: orderStream(orderId), streamVersion: 1 },
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    queries = new OrderQueries(database.pool);
  });
  afterAll(async () => database.close());

  it('OrderPlaced makes one placed row with its number, total and sealed contents', async () => {
    const { once, twice } = await applyTwice(database.pool, orders, [placed(order, alice, 'O2026000001')]);
    expect(twice).toEqual(once);
    expect(await queries.find({ orderNumber: 'O2026000001' })).toMatchObject({
      orderId: order,
      subjectId: alice,
      orderDate: '2026-05-30',
      status: 'placed',
      amountFen: 141_650,
      refundedFen: 0,
      paymentMethod: null,
      version: 1,
      sealed: { contents: SEALED, cancelReason: null, refunds: [] },
    });
  });

  it('OrderPaid and each OrderRefunded move the row forward once, the refunds summed and kept in order, never replayed', async () => {
    const paid = recordedEvent('OrderPaid', { orderId: order, subjectId: alice, paymentMethod: 'wechat_pay', amountFen: 141_650, paidBy: 'fd-1', paidAt: AT }, on(2));
    const refund = (version: number, amountFen: number) =>
      recordedEvent('OrderRefunded', { orderId: order, subjectId: alice, refundId: `r${version}`, amountFen, reason: SEALED, refundedBy: 'fd-2', refundedAt: AT }, on(version));
    const first = await applyTwice(database.pool, orders, [paid, refund(3, 13_650)]);
    expect(first.twice).toEqual(first.once);
    expect(await queries.find({ orderId: order })).toMatchObject({ status: 'partially_refunded', refundedFen: 13_650, paymentMethod: 'wechat_pay', paidBy: 'fd-1', version: 3 });
    const second = await applyTwice(database.pool, orders, [refund(4, 128_000)]);
    expect(second.twice).toEqual(second.once);
    // an earlier event replayed after the later ones changes nothing
    await applyTwice(database.pool, orders, [paid, refund(3, 13_650)]);
    const row = await queries.find({ orderId: order });
    expect(row).toMatchObject({ status: 'refunded', refundedFen: 141_650, version: 4 });
    expect(row?.sealed.refunds.map((r) => [r.refundId, r.amountFen, r.reason])).toEqual([
      ['r3', 13_650, SEALED],
      ['r4', 128_000, SEALED],
    ]);
  });

  it('OrderCancelled closes an order with its sealed reason, or without one', async () => {
    const [withReason, without] = [uuidv7(), uuidv7()];
    await applyTwice(database.pool, orders, [placed(withReason, bob, 'O2026000002'), placed(without, bob, 'O2026000003', '2026-05-31')]);
    const cancel = (orderId: string, reason?: unknown) =>
      recordedEvent('OrderCancelled', { orderId, subjectId: bob, ...(reason ? { reason } : {}), cancelledBy: 'fd-1', cancelledAt: AT } as never, on(2, orderId));
    const { once, twice } = await applyTwice(database.pool, orders, [cancel(withReason, SEALED), cancel(without)]);
    expect(twice).toEqual(once);
    const listed = await queries.bySubject(bob, { limit: 10 });
    expect(listed.map((row) => [row.orderNumber, row.status, row.sealed.cancelReason])).toEqual([
      ['O2026000003', 'cancelled', null],
      ['O2026000002', 'cancelled', SEALED],
    ]);
    expect((await queries.bySubject(bob, { limit: 1, before: ['2026-05-31', without] })).map((row) => row.orderId)).toEqual([withReason]);
    expect(await queries.bySubject(bob, { status: 'paid', limit: 10 })).toEqual([]);
  });

  it('feeds the timeline: the customer’s orders as entries by date, newest first', async () => {
    const timeline = new TimelineQueries(database.pool);
    const select = { kind: 'order', sql: `SELECT order_date AS date, order_id AS id, jsonb_build_object('status', status) AS row FROM orders WHERE subject_id = $1` };
    const page = await timeline.page(bob, [select], undefined, 1);
    expect(page).toEqual([{ kind: 'order', date: '2026-05-31', id: expect.any(String), row: { status: 'cancelled' } }]);
    expect((await timeline.page(bob, [select], [page[0].date, page[0].id], 5)).map((row) => row.date)).toEqual(['2026-05-30']);
  });

  it('SubjectErased purges the customer’s orders when it reaches consumption, and keeps them under a hold', async () => {
    const partial = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['contact'], retained: [], erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 5 },
    );
    await applyTwice(database.pool, orders, [partial]);
    expect(await queries.bySubject(alice, { limit: 10 })).toHaveLength(1);
    const held = recordedEvent(
      'SubjectErased',
      { subjectId: bob, erasedCategories: ['identity'], retained: [{ category: 'consumption', basis: '会计档案管理办法', until: '2033-01-01' }], whole: true, erasedAt: AT },
      { streamId: subjectStream(bob), streamVersion: 5 },
    );
    await applyTwice(database.pool, orders, [held]);
    expect(await queries.bySubject(bob, { limit: 10 })).toHaveLength(2);
    const whole = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['consumption'], retained: [], whole: true, erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 6 },
    );
    const { once, twice } = await applyTwice(database.pool, orders, [whole]);
    expect(twice).toEqual(once);
    expect(await queries.bySubject(alice, { limit: 10 })).toEqual([]);
    expect(await queries.find({ orderNumber: 'O2026000001' })).toBeUndefined();
  });

  it('forgets a quarantined order stream, or every order of a quarantined subject', async () => {
    const lone = uuidv7();
    await applyTwice(database.pool, orders, [placed(lone, alice, 'O2026000009'), placed(uuidv7(), alice, 'O2026000010')]);
    const client = await database.pool.connect();
    try {
      const batch = { client, table: (t: string) => `"${t}__g1"` };
      await orders.forgetStream(batch, orderStream(lone));
      expect((await queries.bySubject(alice, { limit: 10 })).map((row) => row.orderNumber)).toEqual(['O2026000010']);
      await orders.forgetStream(batch, subjectStream(bob));
    } finally {
      client.release();
    }
    expect(await queries.bySubject(bob, { limit: 10 })).toEqual([]);
    expect(await queries.bySubject(alice, { limit: 10 })).toHaveLength(1);
  });
});
