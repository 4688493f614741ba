import { Form, Input, InputNumber, Select, Space, Typography } from 'antd';
import { api } from '../../../api/api-client';
import type { FieldPath } from '../../../api/form-problems';
import { useI18n } from '../../../i18n/i18n';
import { today } from './record-tab';
import { DateField, EntryCards, RecordFormModal, type RecordFormProps } from './record-form';

interface Line {
  kind: 'product' | 'service';
  code: string;
  name: string;
  quantity: number;
  /** Yuan as typed (two decimals); the API takes whole fen. */
  unitPrice: number;
}

interface Values {
  orderDate: string;
  items: Line[];
  note?: string;
}

export interface PlacedOrder {
  orderId: string;
  orderNumber: string;
  position: number;
}

/** Whole fen as yuan: ¥1,234.50. */
export const yuan = (fen: number) => `¥${(fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const ITEM_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
const fen = (price: number | undefined) => Math.round((price ?? 0) * 100);
const lineFen = (line: Partial<Line> | undefined) => (line?.quantity ?? 0) * fen(line?.unitPrice);
const EMPTY_LINE: Partial<Line> = { kind: 'service', quantity: 1 };

/** The API's name of a line's price (in fen) is the form's price in yuan. */
const rename = (path: FieldPath): FieldPath => (path[0] === 'items' && path[2] === 'unitPriceFen' ? ['items', path[1], 'unitPrice'] : path);

/**
 * Records an order (消费记录, category consumption) with its lines, under the purpose chosen: prices typed in
 * yuan, sent in whole fen with the total the form shows (the API refuses a total that is not the lines' sum).
 */
export function OrderForm({ subjectId, purposeId, breakGlass, onClose }: RecordFormProps<PlacedOrder>) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const lines = Form.useWatch('items', form);
  const total = (lines ?? []).reduce((sum, line) => sum + lineFen(line), 0);
  const required = [{ required: true, whitespace: true, message: t('form.required') }];
  const send = async (values: Values) => {
    const items = values.items.map((line) => ({ kind: line.kind, code: line.code.trim(), name: line.name.trim(), quantity: line.quantity, unitPriceFen: fen(line.unitPrice) }));
    const body = {
      orderDate: values.orderDate,
      items,
      amountFen: items.reduce((sum, line) => sum + line.quantity * line.unitPriceFen, 0),
      note: values.note?.trim() || undefined,
      purposeId,
    };
    return (await api.request<PlacedOrder>(`/v1/subjects/${subjectId}/orders`, { method: 'POST', body, personalData: true, breakGlass })).data;
  };
  return (
    <RecordFormModal<Values, PlacedOrder>
      title={t('orders.record')}
      width={760}
      form={form}
      rename={rename}
      initialValues={{ orderDate: today(), items: [EMPTY_LINE as Line] }}
      send={send}
      onClose={onClose}
    >
      <DateField name="orderDate" label={t('orders.orderDate')} />
      <EntryCards
        name="items"
        rules={[{ validator: async (_, rows?: unknown[]) => (rows?.length ? undefined : Promise.reject(new Error(t('orders.needLine')))) }]}
        title={(index) => t('orders.lineN', { n: index + 1 })}
        cardTestId={(index) => `order-line-${index + 1}`}
        extra={(index) => <Typography.Text type="secondary">{`${t('orders.lineAmount')} ${yuan(lineFen(lines?.[index]))}`}</Typography.Text>}
        removeLabel={t('orders.removeLine')}
        keep={1}
        addLabel={t('orders.addLine')}
        newEntry={() => EMPTY_LINE}
        beside={
          <Typography.Text strong data-testid="order-total">
            {t('orders.total', { amount: yuan(total) })}
          </Typography.Text>
        }
      >
        {(field) => (
          <Space wrap align="start">
            <Form.Item name={[field.name, 'kind']} label={t('orders.kind')} rules={[{ required: true, message: t('form.required') }]}>
              <Select
                style={{ width: 100 }}
                aria-label={t('orders.kind')}
                options={(['service', 'product'] as const).map((value) => ({ value, label: t(`orders.kind.${value}`) }))}
              />
            </Form.Item>
            <Form.Item name={[field.name, 'code']} label={t('orders.code')} rules={[...required, { pattern: ITEM_CODE, message: t('orders.codeHint') }]}>
              <Input style={{ width: 120 }} autoComplete="off" />
            </Form.Item>
            <Form.Item name={[field.name, 'name']} label={t('orders.item')} rules={[...required, { max: 200 }]}>
              <Input style={{ width: 180 }} autoComplete="off" />
            </Form.Item>
            <Form.Item name={[field.name, 'quantity']} label={t('orders.quantity')} rules={[{ required: true, message: t('form.required') }]}>
              <InputNumber style={{ width: 80 }} min={1} max={100_000} precision={0} />
            </Form.Item>
            <Form.Item name={[field.name, 'unitPrice']} label={t('orders.unitPriceYuan')} rules={[{ required: true, message: t('form.required') }]}>
              <InputNumber style={{ width: 120 }} min={0} max={10_000_000} precision={2} prefix="¥" />
            </Form.Item>
          </Space>
        )}
      </EntryCards>
      <Form.Item name="note" label={t('orders.note')}>
        <Input.TextArea rows={2} maxLength={2000} />
      </Form.Item>
    </RecordFormModal>
  );
}
