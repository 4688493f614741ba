/** Codes of the orders' refusals (mapped to HTTP in apps/ledger-api/src/orders/orders.module.ts). */
export type OrderErrorCode =
  'order-exists' | 'order-not-found' | 'order-not-payable' | 'order-not-cancellable' | 'order-not-refundable' | 'refund-exceeds-remaining' | 'payment-amount-mismatch';
