import { useCallback, useState } from 'react';
import { Alert, App, Button, Descriptions, Drawer, Spin, Table, Tag, Typography } from 'antd';
import { plain } from '../field-value';
import { api } from '../../../api/api-client';
import type { Page } from '../../../api/types';
import { usePagedList } from '../../../api/use-paged-list';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { when } from '../customer-file-tabs';
import type { RecordTabProps } from './record-tab';
import { usePurpose } from '../../../session/purpose';
import { OrderForm, yuan } from './order-form';

export { yuan };

interface OrderLine {
  kind: string;
  code: string;
  name: string;
  quantity: number;
  unitPriceFen: number;
  amountFen?: number;
}

interface Order {
  orderId: string;
  orderNumber: string;
  orderDate: string;
  status: string;
  amountFen: number;
  refundedFen: number;
  paymentMethod: string | null;
  /** "[erased]" once the customer's key is shredded. */
  items: OrderLine[] | string;
  note?: string;
  refunds?: { refundId: string; amountFen: number; reason: unknown; refundedAt: string }[];
}

const STATUS_COLOURS: Record<string, string> = { placed: 'blue', paid: 'green', cancelled: 'default', partially_refunded: 'orange', refunded: 'volcano' };

export function OrderStatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLOURS[status]}>{t(`orders.status.${status}` as MessageKey)}</Tag>;
}

/**
 * The customer's orders (消费记录, category consumption: sensitive; a recorded read), newest first, paged; one
 * opened with its items and refunds; and, for a role that writes the category, a form to record one.
 */
export function OrdersTab({ subjectId, mayWrite, breakGlass, itemId, openItem }: RecordTabProps) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const [recording, setRecording] = useState(false);
  const [placed, setPlaced] = useState(0);
  const fetchPage = useCallback(
    (cursor?: string) => api.get<Page<Order>>(`/v1/subjects/${subjectId}/orders`, { personalData: true, breakGlass, query: { cursor, limit: 20 } }),
    [subjectId, breakGlass],
  );
  const { items: rows, next, error, more } = usePagedList(fetchPage, { reload: placed });
  const shown = rows?.find((order) => order.orderId === itemId);
  return (
    <>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
      {mayWrite && purpose && (
        <Button type="primary" onClick={() => setRecording(true)} style={{ marginBottom: 12 }}>
          {t('orders.record')}
        </Button>
      )}
      {recording && purpose && (
        <OrderForm
          subjectId={subjectId}
          purposeId={purpose.id}
          breakGlass={breakGlass}
          onClose={(order) => {
            setRecording(false);
            if (!order) return;
            void message.success(t('orders.placed', { number: order.orderNumber }));
            setPlaced((count) => count + 1);
          }}
        />
      )}
      <Table<Order>
        data-testid="orders"
        rowKey="orderId"
        size="small"
        loading={!rows && !error}
        pagination={false}
        scroll={{ x: 'max-content' }}
        dataSource={rows ?? []}
        locale={{ emptyText: <Typography.Text type="secondary">{t('orders.none')}</Typography.Text> }}
        onRow={(order) => ({ onClick: () => openItem(order.orderId), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('orders.date'), dataIndex: 'orderDate' },
          { title: t('orders.number'), dataIndex: 'orderNumber', render: (value: string) => <Typography.Text code>{value}</Typography.Text> },
          { title: t('orders.items'), key: 'items', render: (_, order) => (Array.isArray(order.items) ? order.items.map((line) => line.name).join('、') : order.items) },
          { title: t('orders.amount'), dataIndex: 'amountFen', render: (fen: number) => yuan(fen) },
          { title: t('orders.refunded'), dataIndex: 'refundedFen', render: (fen: number) => (fen > 0 ? yuan(fen) : '') },
          { title: t('orders.status'), dataIndex: 'status', render: (status: string) => <OrderStatusTag status={status} /> },
        ]}
      />
      {next && (
        <Button onClick={more} style={{ marginTop: 12 }}>
          {t('common.more')}
        </Button>
      )}
      {itemId && (
        <Drawer open title={shown?.orderNumber ?? t('orders.number')} onClose={() => openItem(undefined)} size={560} data-testid="order-drawer">
          {!shown ? (
            <Spin />
          ) : (
            <>
              <Descriptions column={1} bordered size="small">
                <Descriptions.Item label={t('orders.date')}>{shown.orderDate}</Descriptions.Item>
                <Descriptions.Item label={t('orders.status')}>
                  <OrderStatusTag status={shown.status} />
                </Descriptions.Item>
                <Descriptions.Item label={t('orders.amount')}>{yuan(shown.amountFen)}</Descriptions.Item>
                {shown.paymentMethod && <Descriptions.Item label={t('orders.payment')}>{shown.paymentMethod}</Descriptions.Item>}
                {shown.note && <Descriptions.Item label={t('orders.note')}>{shown.note}</Descriptions.Item>}
              </Descriptions>
              <Table<OrderLine>
                style={{ marginTop: 16 }}
                rowKey="code"
                size="small"
                pagination={false}
                dataSource={Array.isArray(shown.items) ? shown.items : []}
                columns={[
                  { title: t('orders.item'), dataIndex: 'name' },
                  { title: t('orders.quantity'), dataIndex: 'quantity' },
                  { title: t('orders.unitPrice'), dataIndex: 'unitPriceFen', render: (fen: number) => yuan(fen) },
                ]}
              />
              {(shown.refunds ?? []).length > 0 && (
                <Table
                  style={{ marginTop: 16 }}
                  title={() => t('orders.refunds')}
                  rowKey="refundId"
                  size="small"
                  pagination={false}
                  dataSource={shown.refunds}
                  columns={[
                    { title: t('orders.date'), dataIndex: 'refundedAt', render: (at: string) => when(at, lang) },
                    { title: t('orders.amount'), dataIndex: 'amountFen', render: (fen: number) => yuan(fen) },
                    { title: t('orders.refundReason'), dataIndex: 'reason', render: (reason: unknown) => plain(reason) },
                  ]}
                />
              )}
            </>
          )}
        </Drawer>
      )}
    </>
  );
}
