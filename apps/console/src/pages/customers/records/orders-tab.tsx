import { useCallback, useState } from 'react';
import { Alert, App, Button, Table, Typography } from 'antd';
import { api } from '../../../api/api-client';
import type { Page } from '../../../api/types';
import { usePagedList } from '../../../api/use-paged-list';
import { useI18n } from '../../../i18n/i18n';
import type { RecordTabProps } from './record-tab';
import { usePurpose } from '../../../session/purpose';
import { OrderForm, yuan } from './order-form';
import { OrderDrawer, OrderStatusTag, type Order } from './order-drawer';

export { OrderStatusTag, yuan };

/**
 * The customer's orders (消费记录, category consumption: sensitive; a recorded read), newest first, paged; one
 * opened with its items and refunds; and, for a role that writes the category, a form to record one.
 */
export function OrdersTab({ subjectId, mayWrite, breakGlass, itemId, openItem }: RecordTabProps) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const [recording, setRecording] = useState(false);
  const [placed, setPlaced] = useState(0);
  const fetchPage = useCallback(
    (cursor?: string) => api.get<Page<Order>>(`/v1/subjects/${subjectId}/orders`, { personalData: true, breakGlass, query: { cursor, limit: 20 } }),
    [subjectId, breakGlass],
  );
  const { items: rows, next, error, more } = usePagedList(fetchPage, { reload: placed });
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
      {itemId && <OrderDrawer orderId={itemId} mayWrite={mayWrite} breakGlass={breakGlass} onClose={() => openItem(undefined)} onChanged={() => setPlaced((count) => count + 1)} />}
    </>
  );
}
