import { useState } from 'react';
import { Alert, App, Button, Descriptions, Drawer, Form, Input, InputNumber, Select, Space, Spin, Table, Tag } from 'antd';
import { plain } from '../field-value';
import { api, type BreakGlass } from '../../../api/api-client';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { usePurpose } from '../../../session/purpose';
import { when } from '../customer-file-tabs';
import { yuan } from './order-form';
import { useRecordStep } from './record-form';

export interface OrderLine {
  kind: string;
  code: string;
  name: string;
  quantity: number;
  unitPriceFen: number;
  amountFen?: number;
}

export interface Order {
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
  /** What may still be refunded (the order read alone). */
  refundableFen?: number;
}

const STATUS_COLOURS: Record<string, string> = { placed: 'blue', paid: 'green', cancelled: 'default', partially_refunded: 'orange', refunded: 'volcano' };
const PAYMENT_METHODS = ['cash', 'bank_card', 'wechat_pay', 'alipay', 'medical_insurance', 'prepaid_card', 'bank_transfer', 'other'] as const;
/** A step no longer allowed because someone else took another first (as a stale If-Match): shown as the order is now, not as an error. */
const MOVED = ['order-not-payable', 'order-not-cancellable', 'order-not-refundable'];

export function OrderStatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLOURS[status]}>{t(`orders.status.${status}` as MessageKey)}</Tag>;
}

const paymentLabel = (t: (key: MessageKey) => string, method: string) => t(`orders.method.${method}` as MessageKey);

type Step = 'pay' | 'cancel' | 'refund';

/**
 * One order read alone (its version from the ETag), with its lines and refunds, and the steps its status allows:
 * payment in full, cancelling while unpaid, a refund of part or all of what is left. Each is sent with If-Match:
 * when a colleague took a step first (412, or 409 for a step no longer allowed) it says so and shows the order now.
 */
export function OrderDrawer({
  orderId,
  mayWrite,
  breakGlass,
  onClose,
  onChanged,
}: {
  orderId: string;
  mayWrite: boolean;
  breakGlass?: BreakGlass;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const [step, setStep] = useState<Step | undefined>();
  const [form] = Form.useForm();
  const {
    shown,
    loadError,
    error: stepError,
    moved,
    busy,
    run,
  } = useRecordStep<Order>(
    `/v1/orders/${orderId}`,
    breakGlass,
    MOVED,
    (now) => t('orders.moved', { status: now ? t(`orders.status.${now.status}` as MessageKey) : '' }),
    () => {
      setStep(undefined);
      onChanged();
    },
  );
  const error = loadError ?? stepError;

  const send = async (values: { paymentMethod?: string; reason?: string; amount?: number }) => {
    if (!shown || !step || !purpose) return;
    const body =
      step === 'pay'
        ? { paymentMethod: values.paymentMethod, amountFen: shown.data.amountFen }
        : step === 'cancel'
          ? { reason: values.reason?.trim() || undefined }
          : { amountFen: Math.round((values.amount ?? 0) * 100), reason: values.reason?.trim() };
    const path = `/v1/orders/${orderId}/${step === 'refund' ? 'refunds' : step}`;
    await run(
      () => api.request(path, { method: 'POST', body: { ...body, purposeId: purpose.id }, ifMatch: shown.version, personalData: true, breakGlass }),
      () => {
        form.resetFields();
        void message.success(t('records.saved'));
      },
    );
  };

  const order = shown?.data;
  const refundable = order?.refundableFen ?? 0;
  const steps: Step[] = !order || !mayWrite || !purpose ? [] : order.status === 'placed' ? ['pay', 'cancel'] : refundable > 0 ? ['refund'] : [];
  return (
    <Drawer open title={order?.orderNumber ?? t('orders.number')} onClose={onClose} size={560} data-testid="order-drawer">
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
      {moved && <Alert type="warning" showIcon role="status" title={moved} style={{ marginBottom: 12 }} />}
      {!order ? (
        !error && <Spin />
      ) : (
        <>
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t('orders.date')}>{order.orderDate}</Descriptions.Item>
            <Descriptions.Item label={t('orders.status')}>
              <OrderStatusTag status={order.status} />
            </Descriptions.Item>
            <Descriptions.Item label={t('orders.amount')}>{yuan(order.amountFen)}</Descriptions.Item>
            {order.refundedFen > 0 && <Descriptions.Item label={t('orders.refunded')}>{yuan(order.refundedFen)}</Descriptions.Item>}
            {order.paymentMethod && <Descriptions.Item label={t('orders.payment')}>{paymentLabel(t, order.paymentMethod)}</Descriptions.Item>}
            {order.note && <Descriptions.Item label={t('orders.note')}>{order.note}</Descriptions.Item>}
          </Descriptions>
          <Table<OrderLine>
            style={{ marginTop: 16 }}
            rowKey="code"
            size="small"
            pagination={false}
            dataSource={Array.isArray(order.items) ? order.items : []}
            columns={[
              { title: t('orders.item'), dataIndex: 'name' },
              { title: t('orders.quantity'), dataIndex: 'quantity' },
              { title: t('orders.unitPrice'), dataIndex: 'unitPriceFen', render: (fen: number) => yuan(fen) },
            ]}
          />
          {(order.refunds ?? []).length > 0 && (
            <Table
              style={{ marginTop: 16 }}
              title={() => t('orders.refunds')}
              rowKey="refundId"
              size="small"
              pagination={false}
              dataSource={order.refunds}
              columns={[
                { title: t('orders.date'), dataIndex: 'refundedAt', render: (at: string) => when(at, lang) },
                { title: t('orders.amount'), dataIndex: 'amountFen', render: (fen: number) => yuan(fen) },
                { title: t('orders.refundReason'), dataIndex: 'reason', render: (reason: unknown) => plain(reason) },
              ]}
            />
          )}
          {steps.length > 0 && (
            <Space wrap style={{ marginTop: 16 }}>
              {steps.map((name) => (
                <Button key={name} type={name === 'cancel' ? 'default' : 'primary'} danger={name === 'cancel'} onClick={() => setStep(name)}>
                  {t(`orders.step.${name}`)}
                </Button>
              ))}
            </Space>
          )}
          {step && (
            <Form form={form} layout="vertical" style={{ marginTop: 16 }} data-testid="order-step" onFinish={(values) => void send(values)}>
              {step === 'pay' && (
                <Form.Item
                  name="paymentMethod"
                  label={t('orders.payment')}
                  extra={t('orders.payWhole', { amount: yuan(order.amountFen) })}
                  rules={[{ required: true, message: t('form.required') }]}
                >
                  <Select style={{ width: 200 }} aria-label={t('orders.payment')} options={PAYMENT_METHODS.map((value) => ({ value, label: paymentLabel(t, value) }))} />
                </Form.Item>
              )}
              {step === 'refund' && (
                <Form.Item
                  name="amount"
                  label={t('orders.refundAmount')}
                  extra={t('orders.refundable', { amount: yuan(refundable) })}
                  rules={[{ required: true, message: t('form.required') }]}
                >
                  <InputNumber style={{ width: 160 }} min={0.01} max={refundable / 100} precision={2} prefix="¥" />
                </Form.Item>
              )}
              {step !== 'pay' && (
                <Form.Item
                  name="reason"
                  label={t(step === 'refund' ? 'orders.refundReason' : 'orders.cancelReason')}
                  rules={step === 'refund' ? [{ required: true, whitespace: true, message: t('form.required') }] : []}
                >
                  <Input.TextArea rows={2} maxLength={2000} />
                </Form.Item>
              )}
              <Space>
                <Button type="primary" htmlType="submit" loading={busy} danger={step === 'cancel'}>
                  {t(`orders.step.${step}`)}
                </Button>
                <Button onClick={() => setStep(undefined)}>{t('form.cancel')}</Button>
              </Space>
            </Form>
          )}
        </>
      )}
    </Drawer>
  );
}
