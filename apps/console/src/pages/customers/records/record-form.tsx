import { useCallback, useEffect, useState, type ComponentProps, type ReactNode } from 'react';
import { Alert, Button, Card, Form, Input, Modal, Space, type FormInstance, type FormListFieldData } from 'antd';
import { describeError } from '../../../api/problem-messages';
import { problemFields, type FieldPath } from '../../../api/form-problems';
import dayjs from 'dayjs';
import { api, ApiProblem, type BreakGlass } from '../../../api/api-client';
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
  /** The form, when the fields need watching (a total of the lines); else its own. */
  form?: FormInstance<V>;
  /** The form's name of a field the API names otherwise (a price in yuan the API takes in fen). */
  rename?: (path: FieldPath) => FieldPath;
  /** The save button's words (default: 保存). */
  saveLabel?: string;
}

/**
 * A record's form in a dialog: sent once on save, a refusal explained in plain words above the button and,
 * where the API names fields (400 problem+json), each reason next to its field; nothing saved until it succeeds.
 */
export function RecordFormModal<V extends object, R>({ title, width, initialValues, send, onClose, children, form, rename, saveLabel }: Props<V, R>) {
  const { t, lang } = useI18n();
  const [own] = Form.useForm<V>();
  const shown = form ?? own;
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (values: V) => {
    setBusy(true);
    setError(undefined);
    try {
      onClose(await send(values));
    } catch (caught) {
      setError(describeError(caught, lang));
      shown.setFields(problemFields(caught, lang, rename) as Parameters<typeof shown.setFields>[0]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={title} onCancel={() => onClose()} footer={null} width={width} destroyOnHidden>
      <Form<V> form={shown} layout="vertical" initialValues={initialValues} onFinish={(values) => void submit(values)}>
        {children}
        {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" loading={busy}>
          {saveLabel ?? t('edit.save')}
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

/** A date and time in the browser's own time zone (the browser's picker), sent as an ISO instant by the caller (`instant`). */
export function DateTimeField({ name, label, required = true }: { name: string; label: string; required?: boolean }) {
  const { t } = useI18n();
  return (
    <Form.Item name={name} label={label} rules={[{ required, message: t('form.required') }]}>
      <Input type="datetime-local" style={{ width: 220 }} />
    </Form.Item>
  );
}

/**
 * A form's list of entries (a check-up's results, an order's lines, phones, addresses, recipients):
 * each a titled card with its remove button and its fields, then the list's errors, a hint
 * while there are entries, and the add button with anything that goes beside it (an order's total).
 */
export function EntryCards({
  name,
  rules,
  title,
  removeLabel,
  addLabel,
  newEntry,
  keep = 0,
  most,
  extra,
  hint,
  beside,
  cardTestId,
  children,
}: {
  name: string;
  rules?: ComponentProps<typeof Form.List>['rules'];
  title: (index: number) => string;
  removeLabel: string;
  addLabel: string;
  /** The entry the add button adds, given how many there are. */
  newEntry: (count: number) => object;
  /** Entries that cannot be removed (the remove button shows only above this many). */
  keep?: number;
  /** The most entries the add button adds. */
  most?: number;
  extra?: (index: number) => ReactNode;
  hint?: ReactNode;
  beside?: ReactNode;
  cardTestId?: (index: number) => string;
  children: (field: FormListFieldData) => ReactNode;
}) {
  return (
    <Form.List name={name} rules={rules}>
      {(fields, { add, remove }, { errors }) => (
        <>
          {fields.map((field, index) => (
            <Card
              key={field.key}
              size="small"
              title={title(index)}
              style={{ marginBottom: 8 }}
              data-testid={cardTestId?.(index)}
              extra={
                <Space>
                  {extra?.(index)}
                  {fields.length > keep && (
                    <Button size="small" type="link" onClick={() => remove(field.name)}>
                      {removeLabel}
                    </Button>
                  )}
                </Space>
              }
            >
              {children(field)}
            </Card>
          ))}
          <Form.ErrorList errors={errors} />
          {fields.length > 0 && hint}
          <Space style={{ marginBottom: 16 }} wrap>
            <Button onClick={() => add(newEntry(fields.length))} disabled={most !== undefined && fields.length >= most}>
              {addLabel}
            </Button>
            {beside}
          </Space>
        </>
      )}
    </Form.List>
  );
}

/** The value of a DateTimeField as the API takes it: an ISO 8601 instant. */
export const instant = (local: string) => dayjs(local).toISOString();

/** What a record's form of the customer file is given: the customer, the purpose it writes under, break-glass, and where its answer goes. */
export interface RecordFormProps<R> {
  subjectId: string;
  purposeId: string;
  breakGlass?: BreakGlass;
  onClose: (saved?: R) => void;
}

/**
 * A record read at `path` and shown at its version (`shown`, or `loadError`), and the steps on it (a complaint's
 * reply, an order's payment), each sent with If-Match: on success the record is read again; when a colleague moved it
 * first (412, or a 409 naming a step no longer allowed: `movedCodes`) it is read again and `describeMoved` says so in
 * words; any other refusal is explained (`error`). `settled` runs either way once the record shows its state now (close
 * the step's form, tell the list).
 */
export function useRecordStep<T>(
  path: string,
  breakGlass: BreakGlass | undefined,
  movedCodes: readonly string[],
  describeMoved: (now: T | undefined) => string,
  settled: () => void,
) {
  const { lang } = useI18n();
  const [shown, setShown] = useState<{ data: T; version: number } | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const load = useCallback(async () => {
    const answer = await api.request<T>(path, { personalData: true, breakGlass });
    setShown({ data: answer.data, version: answer.version ?? 0 });
    return answer.data;
  }, [path, breakGlass]);
  useEffect(() => {
    load().catch((caught: unknown) => setLoadError(describeError(caught, lang)));
  }, [load, lang]);
  const [error, setError] = useState<string | undefined>();
  const [moved, setMoved] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>, succeeded: () => void) => {
    setBusy(true);
    setError(undefined);
    setMoved(undefined);
    try {
      await action();
      succeeded();
      await load();
      settled();
    } catch (caught) {
      if (caught instanceof ApiProblem && (caught.code === 'precondition-failed' || movedCodes.includes(caught.code))) {
        setMoved(describeMoved(await load().catch(() => undefined)));
        settled();
      } else {
        setError(describeError(caught, lang));
      }
    } finally {
      setBusy(false);
    }
  };
  return { shown, loadError, error, moved, busy, run };
}
