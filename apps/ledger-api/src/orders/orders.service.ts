import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, loadStream, loadStreamHead, StreamFold } from '@pi-ledger/event-store/command-handler';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { ORDER_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { chinaYear } from '@pi-ledger/ledger-domain/customer-number/customer-number';
import { decideOrder, evolveOrder, initialOrderState, OrderCommand, OrderState, refundableFen } from '@pi-ledger/ledger-domain/orders/order.decider';
import { ORDER_CATEGORY, OrderContents, OrderEvent, orderStream, OrderStatus } from '@pi-ledger/ledger-domain/orders/order.events';
import type { OrderErrorCode } from '@pi-ledger/ledger-domain/orders/order.errors';
import {
  decideOrderNumber,
  evolveOrderNumbers,
  initialOrderNumberState,
  ORDER_NUMBER_PATTERN,
  orderNumberStream,
  parseOrderNumber,
} from '@pi-ledger/ledger-domain/orders/order-number';
import { OrderQueries, StoredOrder } from '@pi-ledger/read-models/projections/orders/orders.queries';
import { cursorKey, encodeCursor } from '@pi-ledger/read-models/projections/keyset-cursor';
import { RequestContext, withMetadata } from '../application/request-context';
import { sealedUnder, SubjectRecordAccess } from '../subject-records/subject-record-access';
import { chinaDate } from '../subjects/subject-data.dto';
import { ALLOCATION_RETRY } from '../subjects/customer-numbers/customer-numbers.service';
import { ListOrdersDto, PlaceOrderDto } from './orders.dto';
import { followingMoves } from '@pi-ledger/ledger-domain/subject/record-move';

const ORDER_FOLD: StreamFold<OrderState, OrderEvent<unknown, unknown>> = followingMoves({ initialState: initialOrderState, evolve: evolveOrder });
const NUMBER_FOLD = { initialState: initialOrderNumberState, evolve: evolveOrderNumbers };

/** A change of an order as the HTTP edge asks it, without the ids, actor and time the service adds. */
export type OrderChange =
  | { type: 'PayOrder'; paymentMethod: Extract<OrderCommand, { type: 'PayOrder' }>['paymentMethod']; amountFen?: number }
  | { type: 'CancelOrder'; reason?: string }
  | { type: 'RefundOrder'; amountFen: number; reason: string };

/** An order as read: its facts, what was bought and every reason opened ("[erased]" once shredded). */
export type OrderView = Omit<StoredOrder, 'sealed'> & {
  refundableFen: number;
  items: OrderContents['items'] | string;
  note?: string;
  cancelReason?: unknown;
  refunds: Array<{ refundId: string; amountFen: number; reason: unknown; refundedBy: string; refundedAt: string }>;
};

/**
 * Orders (消费记录): each its own stream (`order-<orderId>`) on the one command path, numbered from
 * a yearly sequence like customer numbers; the contents and reasons sealed under the customer's
 * `consumption` key (a sensitive category: the purpose needs the customer's separate consent).
 * Every rule of the customer file applies (SubjectRecordAccess).
 */
@Injectable()
export class OrdersService {
  readonly codec: DeclaredEventCodec<OrderEvent<unknown, unknown>>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly access: SubjectRecordAccess,
    private readonly orders: OrderQueries,
  ) {
    this.codec = new DeclaredEventCodec<OrderEvent<unknown, unknown>>(vault, ORDER_PI);
  }

  /** `ids.orderId`: an import's, derived from its job and row: a re-run is refused as `order-exists` before a number is taken. */
  async place(subjectId: string, input: PlaceOrderDto, context: RequestContext, ids: { orderId?: string } = {}) {
    const purpose = await this.access.authorizeWrite(subjectId, context, input.purposeId, ORDER_CATEGORY);
    const orderId = ids.orderId ?? uuidv7();
    if (ids.orderId && (await loadStreamHead(this.store, orderStream(orderId), ORDER_FOLD)).version > 0) {
      throw new DomainError<OrderErrorCode>('order-exists', `order ${orderId} exists already`, { orderId });
    }
    const now = this.clock();
    const command = (orderNumber: string): OrderCommand => ({
      type: 'PlaceOrder',
      orderId,
      subjectId,
      orderNumber,
      orderDate: input.orderDate,
      items: input.items.map(({ kind, code, name, quantity, unitPriceFen }) => ({ kind, code, name, quantity, unitPriceFen })),
      ...(input.amountFen === undefined ? {} : { amountFen: input.amountFen }),
      ...(input.note === undefined ? {} : { note: input.note }),
      actor: context.actor.id,
      now: now.toISOString(),
      today: chinaDate(now),
    });
    // refuse bad input before a number is taken: an allocated number stays allocated
    decideOrder(command('O0000000000'), initialOrderState());
    const orderNumber = await this.allocateNumber(orderId, now, context);
    const handled = await handleCommand(this.store, orderStream(orderId), ORDER_FOLD, ({ state }) => decideOrder(command(orderNumber), state), {
      prepare: sealedUnder(this.codec, context, purpose),
    });
    const placed = handled.events[0] as Extract<OrderEvent, { type: 'OrderPlaced' }>;
    return {
      orderId,
      orderNumber,
      status: 'placed' as OrderStatus,
      amountFen: placed.data.amountFen,
      items: placed.data.contents.items,
      version: handled.version,
      position: handled.position,
    };
  }

  async change(orderKey: string, change: OrderChange, purposeId: string, context: RequestContext, expectedVersion: number | undefined) {
    const orderId = await this.resolve(orderKey);
    const { state } = await loadStream(this.store, orderStream(orderId), ORDER_FOLD);
    if (state.status === 'absent') throw notFound(orderKey);
    const purpose = await this.access.authorizeWrite(state.subjectId, context, purposeId, ORDER_CATEGORY);
    const refundId = change.type === 'RefundOrder' ? uuidv7() : undefined;
    const now = this.clock().toISOString();
    const handled = await handleCommand(
      this.store,
      orderStream(orderId),
      ORDER_FOLD,
      ({ state: current }) => decideOrder({ ...change, orderId, actor: context.actor.id, now, ...(refundId ? { refundId } : {}) } as OrderCommand, current),
      { prepare: sealedUnder(this.codec, context, purpose), expectedVersion },
    );
    const after = handled.state as Extract<OrderState, { amountFen: number }>;
    return {
      orderId,
      orderNumber: after.orderNumber,
      status: after.status,
      refundedFen: after.refundedFen,
      ...(refundId ? { refundId } : {}),
      version: handled.version,
      position: handled.position,
    };
  }

  async listOf(subjectId: string, filter: ListOrdersDto, context: RequestContext, purposeHeader: string | undefined) {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, ORDER_CATEGORY);
    const limit = filter.limit ?? 50;
    const before = cursorKey(filter.cursor, 2) as [string, string] | undefined;
    const rows = await this.orders.bySubject(subjectId, { status: filter.status, before, limit: limit + 1 });
    const items = await Promise.all(rows.slice(0, limit).map((row) => this.open(row)));
    await this.access.recordRead(context, [subjectId], read, ORDER_CATEGORY, 'orders');
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.orderDate, last.orderId]) : null };
  }

  async get(orderKey: string, context: RequestContext, purposeHeader: string | undefined): Promise<OrderView> {
    const stored = await this.orders.find(this.keyOf(orderKey));
    if (!stored) throw notFound(orderKey);
    const read = await this.access.authorizeRead(stored.subjectId, context, purposeHeader, ORDER_CATEGORY);
    const order = await this.open(stored);
    await this.access.recordRead(context, [stored.subjectId], read, ORDER_CATEGORY, 'orders');
    return order;
  }

  /** Every order of the subject, opened, for its access/copy export (PIPL Art. 45): the export records the read itself. */
  async exportOf(subjectId: string): Promise<OrderView[]> {
    return Promise.all((await this.orders.bySubject(subjectId, { limit: 100_000 })).map((row) => this.open(row)));
  }

  /** The next number of the year (China time) on the one command path: a lost race is decided again at once. */
  private async allocateNumber(orderId: string, now: Date, context: RequestContext): Promise<string> {
    const at = now.toISOString();
    const handled = await handleCommand(this.store, orderNumberStream(chinaYear(at)), NUMBER_FOLD, ({ state }) => decideOrderNumber({ orderId, now: at }, state), {
      prepare: withMetadata(context),
      load: loadStreamHead,
      retry: ALLOCATION_RETRY,
    });
    return handled.events[0].data.orderNumber;
  }

  /** An order id or number as typed in a path: a UUID is the id, a number is looked up; else 400 naming `orderId`. */
  private keyOf(orderKey: string): { orderId: string } | { orderNumber: string } {
    if (isUuid(orderKey)) return { orderId: orderKey.toLowerCase() };
    return { orderNumber: parseOrderNumber(orderKey, 'orderId') };
  }

  private async resolve(orderKey: string): Promise<string> {
    const key = this.keyOf(orderKey);
    if ('orderId' in key) return key.orderId;
    const stored = await this.orders.find(key);
    if (!stored) throw notFound(orderKey);
    return stored.orderId;
  }

  private async open(row: StoredOrder): Promise<OrderView> {
    const { sealed, ...facts } = row;
    const ids = { orderId: row.orderId, subjectId: row.subjectId };
    const opened = async <T extends OrderEvent['type']>(type: T, data: Record<string, unknown>, member: string) =>
      ((await this.codec.open({ type, data: { ...ids, ...data } } as OrderEvent<unknown, unknown>)).data as Record<string, unknown>)[member];
    const [contents, cancelReason, refunds] = await Promise.all([
      opened('OrderPlaced', { contents: sealed.contents }, 'contents'),
      sealed.cancelReason === null ? undefined : opened('OrderCancelled', { reason: sealed.cancelReason }, 'reason'),
      Promise.all(sealed.refunds.map(async (refund) => ({ ...refund, reason: await opened('OrderRefunded', { refundId: refund.refundId, reason: refund.reason }, 'reason') }))),
    ]);
    const what = typeof contents === 'object' && contents !== null ? (contents as OrderContents) : { items: contents as string };
    return { ...facts, refundableFen: refundableFen(row), ...what, ...(cancelReason === undefined ? {} : { cancelReason }), refunds };
  }
}

const notFound = (orderKey: string) =>
  new DomainError<OrderErrorCode>('order-not-found', 'no such order', ORDER_NUMBER_PATTERN.test(orderKey) ? { orderNumber: orderKey } : { orderId: orderKey });
