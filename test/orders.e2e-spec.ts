import { OrdersService } from '../apps/ledger-api/src/orders/orders.service';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate } from './support/test-clock';
import { tokens } from './support/test-tokens';
import { customerRecordsHarness } from './support/customer-records';
import { eraseOnRequest } from './support/erasure-request';

/** Orders (消费记录) over HTTP: numbered, paid, refunded in parts, cancelled, under the file's rules; exported; erased. */
const HM = 'health-management';
/** What a customer consents to at registration, the separate consent for consumption records included. */
const WITH_CONSUMPTION = { consents: [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption'], separate: true }] };
const order = (overrides: Record<string, unknown> = {}) => ({
  orderDate: chinaDate(-1),
  items: [
    { kind: 'service', code: 'PKG-STD', name: '标准体检套餐', quantity: 1, unitPriceFen: 128_000 },
    { kind: 'product', code: 'VIT-D', name: '维生素D滴剂', quantity: 3, unitPriceFen: 4_550 },
  ],
  note: '客户要求周六上午体检',
  purposeId: HM,
  ...overrides,
});

type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;

describe('orders over HTTP', () => {
  let api: TestApi;
  let call: Harness['call'];
  let as: Harness['as'];
  let register: Harness['register'];
  let read: Harness['read'];
  let subjectId: string;

  const count = async (type: string) => (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = $1`, [type])).rows[0].n as number;
  const place = (token: string, overrides: Record<string, unknown> = {}, id = subjectId) => call('POST', `/v1/subjects/${id}/orders`, token, order(overrides));
  const act = (token: string, orderId: string, action: string, body: Record<string, unknown>, ifMatch?: string) =>
    call('POST', `/v1/orders/${orderId}/${action}`, token, { purposeId: HM, ...body }, ifMatch ? { 'if-match': ifMatch } : {});

  beforeAll(async () => {
    api = await startTestApi();
    ({ call, as, register, read } = await customerRecordsHarness(api));
    subjectId = await register(WITH_CONSUMPTION);
  });
  afterAll(() => api.close());

  it('refuses an order without the customer’s separate consent for consumption, and takes no number', async () => {
    const without = await register();
    const [orders, numbers] = [await count('OrderPlaced'), await count('OrderNumberAllocated')];
    const refused = await place(as.front_desk, {}, without);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'separate-consent-required', categories: ['consumption'] });
    expect([await count('OrderPlaced'), await count('OrderNumberAllocated')]).toEqual([orders, numbers]);
    const consented = await call('POST', `/v1/subjects/${without}/consents`, as.staff, {
      purposeId: HM,
      categories: ['consumption'],
      separate: true,
      noticeVersion: 'v1',
      channel: 'front-desk',
    });
    expect(consented.status).toBe(201);
    expect((await place(as.front_desk, {}, without)).status).toBe(201);
  });

  it('places, pays and refunds an order in parts, each change exact under If-Match, refunds never beyond what is left', async () => {
    const placed = await place(as.front_desk);
    expect(placed.status).toBe(201);
    expect(placed.headers.get('etag')).toBe('"1"');
    expect(placed.body).toMatchObject({ status: 'placed', amountFen: 141_650, version: 1 });
    expect(placed.body.orderNumber).toMatch(/^O2026\d{6}$/);
    const { orderId, orderNumber } = placed.body;
    // numbers count up, one per order
    const next = await place(as.front_desk, { items: [{ kind: 'service', code: 'CONSULT', name: '营养咨询', quantity: 1, unitPriceFen: 30_000 }], amountFen: 30_000 });
    expect(Number(next.body.orderNumber.slice(5))).toBe(Number(orderNumber.slice(5)) + 1);

    const fresh = await read(`/v1/orders/${orderNumber.toLowerCase()}`, as.front_desk);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('"1"');
    expect(fresh.body).toMatchObject({ orderId, subjectId, status: 'placed', refundableFen: 0, note: '客户要求周六上午体检' });
    expect(fresh.body.items[1]).toEqual({ kind: 'product', code: 'VIT-D', name: '维生素D滴剂', quantity: 3, unitPriceFen: 4_550, amountFen: 13_650 });

    const paid = await act(as.front_desk, orderId, 'pay', { paymentMethod: 'wechat_pay', amountFen: 141_650 }, '"1"');
    expect(paid.status).toBe(200);
    expect(paid.headers.get('etag')).toBe('"2"');
    expect(paid.body).toMatchObject({ status: 'paid', version: 2 });
    expect((await act(as.front_desk, orderId, 'refunds', { amountFen: 100, reason: 'x' }, '"1"')).body).toMatchObject({
      status: 412,
      code: 'precondition-failed',
      currentVersion: 2,
    });
    expect((await act(as.front_desk, orderId, 'cancel', { reason: '客户改期' })).body).toMatchObject({ status: 409, code: 'order-not-cancellable' });
    expect((await act(as.front_desk, orderId, 'pay', { paymentMethod: 'cash' })).body.code).toBe('order-not-payable');

    const partial = await act(as.front_desk, orderId, 'refunds', { amountFen: 13_650, reason: '维生素D滴剂未开封退回' }, '"2"');
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({ status: 'partially_refunded', refundedFen: 13_650, version: 3 });
    const tooMuch = await act(as.front_desk, orderId, 'refunds', { amountFen: 128_001, reason: '多退' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ code: 'refund-exceeds-remaining', remainingFen: 128_000 });
    const rest = await act(as.front_desk, orderId, 'refunds', { amountFen: 128_000, reason: '客户取消体检' });
    expect(rest.body).toMatchObject({ status: 'refunded', refundedFen: 141_650, version: 4 });

    const listed = await read(`/v1/subjects/${subjectId}/orders?status=refunded`, as.front_desk);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ orderNumber, status: 'refunded', paymentMethod: 'wechat_pay', refundableFen: 0, paidBy: 'front_desk-1' });
    expect(listed.body.items[0].refunds.map((refund: { amountFen: number; reason: string }) => [refund.amountFen, refund.reason])).toEqual([
      [13_650, '维生素D滴剂未开封退回'],
      [128_000, '客户取消体检'],
    ]);
    expect(await count('OrderRefunded')).toBe(2);
  });

  it('cancels an unpaid order, and pages a customer’s orders newest first', async () => {
    const placed = await place(as.staff, { orderDate: chinaDate(-30) });
    const cancelled = await act(as.staff, placed.body.orderId, 'cancel', {});
    expect(cancelled.body).toMatchObject({ status: 'cancelled', version: 2 });
    expect((await act(as.staff, placed.body.orderId, 'refunds', { amountFen: 1, reason: 'x' })).body.code).toBe('order-not-refundable');
    const first = await read(`/v1/subjects/${subjectId}/orders?limit=2`, as.staff);
    const second = await read(`/v1/subjects/${subjectId}/orders?limit=2&cursor=${first.body.nextCursor}`, as.staff);
    expect(second.body.nextCursor).toBeNull();
    const dates = [...first.body.items, ...second.body.items].map((item: { orderDate: string }) => item.orderDate);
    expect(dates).toEqual([chinaDate(-1), chinaDate(-1), chinaDate(-30)]);
    expect(second.body.items[0]).toMatchObject({ status: 'cancelled', cancelledBy: 'staff-1' });
    expect((await read(`/v1/subjects/${subjectId}/orders?cursor=bm9wZQ`, as.staff)).body.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
  });

  it('refuses bad input with a 400 naming the field, writes nothing and takes no number', async () => {
    const before = [await count('OrderPlaced'), await count('OrderNumberAllocated')];
    const item = { kind: 'product', code: 'A1', name: '血压计', quantity: 1, unitPriceFen: 19_900 };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ amountFen: 141_600 }, 'amountFen'],
      [{ orderDate: chinaDate(1) }, 'orderDate'],
      [{ orderDate: '2026-02-30' }, 'orderDate'],
      [{ items: [] }, 'items'],
      [{ items: [{ ...item, quantity: 1.5 }] }, 'items[0].quantity'],
      [{ items: [{ ...item, unitPriceFen: '199.00' }] }, 'items[0].unitPriceFen'],
      [{ items: [{ ...item, unitPriceFen: 199.5 }] }, 'items[0].unitPriceFen'],
      [{ items: [{ ...item, kind: 'gift' }] }, 'items[0].kind'],
      [{ items: [item, { ...item, name: '又一个' }] }, 'items[1].code'],
      [{ purposeId: undefined }, 'purposeId'],
    ];
    for (const [overrides, path] of cases) {
      const refused = await call('POST', `/v1/subjects/${subjectId}/orders`, as.front_desk, JSON.parse(JSON.stringify(order(overrides))));
      expect({ path, status: refused.status }).toEqual({ path, status: 400 });
      expect(refused.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    }
    const placed = await place(as.front_desk);
    for (const [action, body, path] of [
      ['pay', { paymentMethod: 'bitcoin' }, 'paymentMethod'],
      ['refunds', { amountFen: 0, reason: 'x' }, 'amountFen'],
      ['refunds', { amountFen: 100 }, 'reason'],
    ] as const) {
      expect((await act(as.front_desk, placed.body.orderId, action, body)).body.errors.map((error: { path: string }) => error.path)).toContain(path);
    }
    expect((await read('/v1/orders/12345', as.front_desk)).body.errors).toEqual([expect.objectContaining({ path: 'orderId' })]);
    expect((await read('/v1/orders/O2026999999', as.front_desk)).body.code).toBe('order-not-found');
    expect([await count('OrderPlaced'), await count('OrderNumberAllocated')]).toEqual([before[0] + 1, before[1] + 1]);
  });

  it('follows the matrix: a health manager neither writes nor reads consumption; the customer reads its own orders', async () => {
    expect((await place(as.health_manager)).body).toMatchObject({ status: 403, code: 'category-not-permitted', category: 'consumption' });
    expect((await read(`/v1/subjects/${subjectId}/orders`, as.health_manager)).body.code).toBe('category-not-permitted');
    expect((await read(`/v1/subjects/${subjectId}/orders`, as.front_desk, 'research')).body.code).toBe('no-legal-basis');
    const own = await read(`/v1/subjects/${subjectId}/orders`, await tokens(api).subject(subjectId), undefined);
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(2);
    const log = await read(`/v1/audit/access?subjectId=${subjectId}`, await tokens(api).compliance(), undefined);
    expect(log.body.items.filter((item: { via: string }) => item.via === 'orders').map((item: { categories: string[] }) => item.categories)).toContainEqual(['consumption']);
  });

  it('keeps reading the file’s consumption.purchases list items as before', async () => {
    const added = await call('POST', `/v1/subjects/${subjectId}/data/consumption/purchases/items`, as.front_desk, {
      item: { date: chinaDate(-400), item: '会员卡', amount: 3000 },
      purposeId: HM,
    });
    expect(added.status).toBe(201);
    const file = await read(`/v1/subjects/${subjectId}`, as.front_desk);
    expect(file.body.data.consumption.purchases).toEqual([{ date: chinaDate(-400), item: '会员卡', amount: 3000 }]);
  });

  it('exports the orders, and erasure purges them and shreds their contents while another customer’s stay', async () => {
    const own = await tokens(api).subject(subjectId);
    const filed = await call('POST', '/v1/rights-requests', own, { subjectId, type: 'access', channel: 'app', requester: { kind: 'subject' } });
    await call('POST', `/v1/rights-requests/${filed.body.requestId}/fulfil`, await tokens(api).compliance());
    const exported = await call('GET', `/v1/rights-requests/${filed.body.requestId}/export`, own);
    const orders = exported.body.records.orders as Array<{ items: Array<{ name: string }>; refunds: unknown[] }>;
    expect(orders.length).toBeGreaterThan(2);
    expect(orders.flatMap((o) => o.items.map((i) => i.name))).toContain('维生素D滴剂');

    const other = await register(WITH_CONSUMPTION);
    expect((await place(as.front_desk, {}, other)).status).toBe(201);
    await eraseOnRequest(api, subjectId);
    const { rows: left } = await api.database.pool.query(`SELECT count(*)::int AS n FROM orders WHERE subject_id = $1`, [subjectId]);
    expect(left[0].n).toBe(0);
    const codec = api.app.get(OrdersService).codec;
    const { rows } = await api.database.pool.query(`SELECT type, data FROM ledger_events WHERE type IN ('OrderPlaced', 'OrderRefunded')`);
    const opened = await Promise.all(rows.map((row) => codec.open({ type: row.type, data: row.data })));
    const sealed = (id: string) =>
      opened.filter((event) => event.data.subjectId === id).map((event) => ('contents' in event.data ? event.data.contents : (event.data as { reason?: unknown }).reason));
    expect(new Set(sealed(subjectId))).toEqual(new Set(['[erased]']));
    expect(sealed(other)).toEqual([expect.objectContaining({ note: '客户要求周六上午体检' })]);
    expect((await read(`/v1/subjects/${subjectId}/orders`, as.front_desk)).status).toBe(410);
  });
});
