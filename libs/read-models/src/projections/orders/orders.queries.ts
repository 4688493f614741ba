import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { OrderStatus, PaymentMethod } from '@pi-ledger/ledger-domain/orders/order.events';

/** An order as stored: its clear facts, and its contents and reasons still sealed. */
export interface StoredOrder {
  orderId: string;
  orderNumber: string;
  subjectId: string;
  orderDate: string;
  status: OrderStatus;
  currency: string;
  amountFen: number;
  refundedFen: number;
  paymentMethod: PaymentMethod | null;
  placedBy: string;
  placedAt: string;
  paidBy: string | null;
  paidAt: string | null;
  cancelledBy: string | null;
  cancelledAt: string | null;
  /** The stream's version this row shows: the ETag of a read. */
  version: number;
  sealed: {
    contents: unknown;
    cancelReason: unknown;
    refunds: Array<{ refundId: string; amountFen: number; reason: unknown; refundedBy: string; refundedAt: string }>;
  };
}

export interface OrderFilter {
  status?: OrderStatus;
  /** Keyset: orders before this (order date, order id), newest first. */
  before?: [string, string];
  limit: number;
}

// the date as its text: node-pg would read a `date` as an instant at the host's midnight
const COLUMNS = `order_id, order_number, subject_id, order_date::text AS order_date, status, currency, amount_fen::text AS amount_fen, refunded_fen::text AS refunded_fen,
  payment_method, contents, cancel_reason, refunds, placed_by, placed_at, paid_by, paid_at, cancelled_by, cancelled_at, version`;

@Injectable()
export class OrderQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A customer's orders, newest first (order date, then id: ids are time-ordered). */
  async bySubject(subjectId: string, filter: OrderFilter): Promise<StoredOrder[]> {
    const params: unknown[] = [subjectId];
    const where = ['subject_id = $1'];
    if (filter.status !== undefined) where.push(`status = $${params.push(filter.status)}`);
    if (filter.before) where.push(`(order_date, order_id) < ($${params.push(filter.before[0])}::date, $${params.push(filter.before[1])})`);
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM orders WHERE ${where.join(' AND ')} ORDER BY orders.order_date DESC, order_id DESC LIMIT $${params.push(filter.limit)}`,
      params,
    );
    return rows.map(toStored);
  }

  /** One order by its id or its number. */
  async find(key: { orderId: string } | { orderNumber: string }): Promise<StoredOrder | undefined> {
    const [column, value] = 'orderId' in key ? ['order_id', key.orderId] : ['order_number', key.orderNumber];
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM orders WHERE ${column} = $1`, [value]);
    return rows[0] ? toStored(rows[0]) : undefined;
  }
}

const instant = (value: unknown) => (value ? (value as Date).toISOString() : null);

function toStored(row: Record<string, unknown>): StoredOrder {
  return {
    orderId: row.order_id as string,
    orderNumber: row.order_number as string,
    subjectId: row.subject_id as string,
    orderDate: row.order_date as string,
    status: row.status as OrderStatus,
    currency: row.currency as string,
    amountFen: Number(row.amount_fen),
    refundedFen: Number(row.refunded_fen),
    paymentMethod: (row.payment_method as PaymentMethod | null) ?? null,
    placedBy: row.placed_by as string,
    placedAt: (row.placed_at as Date).toISOString(),
    paidBy: (row.paid_by as string | null) ?? null,
    paidAt: instant(row.paid_at),
    cancelledBy: (row.cancelled_by as string | null) ?? null,
    cancelledAt: instant(row.cancelled_at),
    version: row.version as number,
    sealed: { contents: row.contents, cancelReason: row.cancel_reason ?? null, refunds: row.refunds as StoredOrder['sealed']['refunds'] },
  };
}
