import { useState, type ReactNode } from 'react';
import { Alert, Button, Form, Input, Modal } from 'antd';
import { describeError } from '../../../api/problem-messages';
import { useI18n } from '../../../i18n/i18n';

interface Props<V, R> {
  title: string;
  width: number;
  initialValues: Partial<V>;
  /** Sends the form (one POST); its answer is handed to onClose. */
  send: (values: V) => Promise<R>;
  /** With the answer once saved; without it when the person closes the form. */
  onClose: (saved?: R) => void;
  children: ReactNode;
}

/** A record's form in a dialog: sent once on save, a refusal explained in plain words above the button, nothing saved until it succeeds. */
export function RecordFormModal<V extends object, R>({ title, width, initialValues, send, onClose, children }: Props<V, R>) {
  const { t, lang } = useI18n();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (values: V) => {
    setBusy(true);
    setError(undefined);
    try {
      onClose(await send(values));
    } catch (caught) {
      setError(describeError(caught, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={title} onCancel={() => onClose()} footer={null} width={width} destroyOnHidden>
      <Form<V> layout="vertical" initialValues={initialValues} onFinish={(values) => void submit(values)}>
        {children}
        {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('edit.save')}
        </Button>
      </Form>
    </Modal>
  );
}

/** A required YYYY-MM-DD date (the browser's own date picker); the API judges it against the ledger's date in China. */
export function DateField({ name, label }: { name: string; label: string }) {
  const { t } = useI18n();
  return (
    <Form.Item name={name} label={label} rules={[{ required: true, pattern: /^\d{4}-\d{2}-\d{2}$/, message: t('form.date') }]}>
      <Input type="date" style={{ width: 170 }} />
    </Form.Item>
  );
}
