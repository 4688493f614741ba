/** What a line of an order is: a product sold (保健品, 器械) or a service (体检套餐, 咨询). */
export const ORDER_ITEM_KINDS = ['product', 'service'] as const;
export type OrderItemKind = (typeof ORDER_ITEM_KINDS)[number];

/**
 * How an order was paid: cash 现金, bank_card 银行卡, wechat_pay 微信支付, alipay 支付宝,
 * medical_insurance 医保, prepaid_card 储值卡/会员卡, bank_transfer 对公转账, other 其他.
 */
export const PAYMENT_METHODS = ['cash', 'bank_card', 'wechat_pay', 'alipay', 'medical_insurance', 'prepaid_card', 'bank_transfer', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const ORDER_STATUSES = ['placed', 'paid', 'cancelled', 'partially_refunded', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** One line: money in fen (分), integers only, so that sums are exact. */
export interface OrderItem {
  kind: OrderItemKind;
  code: string;
  name: string;
  quantity: number;
  unitPriceFen: number;
  /** quantity × unitPriceFen */
  amountFen: number;
}

/** What was bought, and the staff's note: sealed as one value under the customer's `consumption` key. */
export interface OrderContents {
  items: OrderItem[];
  note?: string;
}

/**
 * Events of one order's stream (`order-<orderId>`), 消费记录. `C` is how the contents travel and
 * `T` a cancellation's or refund's reason: plaintext between the decider and the service, sealed in
 * the event store. In clear: ids, the order number and date, the money (totals, payment method,
 * refund amounts: what the refund rule and reconciliation need, naming nothing bought), the status
 * changes, who and when.
 */
export type OrderEvent<C = OrderContents, T = string> =
  | {
      type: 'OrderPlaced';
      data: { orderId: string; subjectId: string; orderNumber: string; orderDate: string; currency: 'CNY'; amountFen: number; placedBy: string; placedAt: string; contents: C };
    }
  | { type: 'OrderPaid'; data: { orderId: string; subjectId: string; paymentMethod: PaymentMethod; amountFen: number; paidBy: string; paidAt: string } }
  | { type: 'OrderCancelled'; data: { orderId: string; subjectId: string; reason?: T; cancelledBy: string; cancelledAt: string } }
  | { type: 'OrderRefunded'; data: { orderId: string; subjectId: string; refundId: string; amountFen: number; reason: T; refundedBy: string; refundedAt: string } };

export const orderStream = (orderId: string) => `order-${orderId}`;

/** The category whose data key seals an order, and that the access matrix and purposes govern (sensitive by default: PIPL Art. 28). */
export const ORDER_CATEGORY = 'consumption';
