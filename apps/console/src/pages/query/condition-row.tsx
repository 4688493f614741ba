import { Alert, Button, Checkbox, DatePicker, Input, InputNumber, Select, Space } from 'antd';
import dayjs from 'dayjs';
import { useI18n } from '../../i18n/i18n';
import type { ConditionRow, QueryField, QueryOp, Range } from './query-model';
import { queryFieldLabel, queryOpLabel, queryValueLabel } from './query-labels';

export interface FieldChoice {
  field: QueryField;
  /** The caller's roles and the chosen purpose both cover its category (or it has none). */
  permitted: boolean;
}

interface Props {
  index: number;
  row: ConditionRow;
  fields: readonly FieldChoice[];
  purposes: readonly { id: string; name: string }[];
  error?: string;
  onChange: (row: ConditionRow) => void;
  onRemove: () => void;
}

const DATE = 'YYYY-MM-DD';
const NUMERIC = new Set(['integer', 'number']);

/** One condition: field, comparison and value (inputs after the field's type), a period where the field takes one, and "not". */
export function ConditionRowEditor({ index, row, fields, purposes, error, onChange, onRemove }: Props) {
  const { t, lang } = useI18n();
  const name = t('query.rowN', { n: index + 1 });
  const field = fields.find((choice) => choice.field.name === row.field)?.field;
  const set = (change: Partial<ConditionRow>) => onChange({ ...row, ...change });
  return (
    <div className="query-row" data-row={index} style={{ padding: '8px 0', borderBottom: '1px solid #f0f0f0' }}>
      <Space wrap align="start">
        <Checkbox checked={row.not} onChange={(event) => set({ not: event.target.checked })} aria-label={`${name} · ${t('query.not')}`}>
          {t('query.notShort')}
        </Checkbox>
        <Select
          aria-label={`${name} · ${t('query.field')}`}
          placeholder={t('query.field')}
          style={{ width: 240 }}
          showSearch={{ optionFilterProp: 'label' }}
          value={row.field}
          status={error ? 'error' : undefined}
          onChange={(next: string) => {
            const ops = fields.find((choice) => choice.field.name === next)?.field.ops ?? [];
            set({ field: next, op: ops[0], value: undefined, period: undefined });
          }}
          options={fields.map(({ field: option, permitted }) => ({
            value: option.name,
            label: permitted ? queryFieldLabel(option.name, lang) : `${queryFieldLabel(option.name, lang)} ${t('query.notPermitted')}`,
            // a saved query may hold a field this person may not use: it stays shown, and the API's refusal explains it
            disabled: !permitted,
          }))}
        />
        <Select
          aria-label={`${name} · ${t('query.op')}`}
          placeholder={t('query.op')}
          style={{ width: 140 }}
          value={row.op}
          disabled={!field}
          onChange={(op: QueryOp) => set({ op, value: op === row.op ? row.value : undefined })}
          options={(field?.ops ?? []).map((op) => ({ value: op, label: queryOpLabel(op, lang) }))}
        />
        {field && row.op && <ValueInput name={name} field={field} op={row.op} value={row.value} purposes={purposes} onChange={(value) => set({ value })} />}
        {field?.period && row.op !== 'exists' && (
          <Space>
            <DatePicker
              aria-label={`${name} · ${t('query.periodFrom')}`}
              placeholder={t('query.periodFrom')}
              value={row.period?.from ? dayjs(row.period.from) : null}
              onChange={(date) => set({ period: { ...row.period, from: date ? date.format(DATE) : undefined } })}
            />
            <DatePicker
              aria-label={`${name} · ${t('query.periodTo')}`}
              placeholder={t('query.periodTo')}
              value={row.period?.to ? dayjs(row.period.to) : null}
              onChange={(date) => set({ period: { ...row.period, to: date ? date.format(DATE) : undefined } })}
            />
          </Space>
        )}
        <Button onClick={onRemove} aria-label={`${name} · ${t('query.removeRow')}`}>
          {t('query.removeRow')}
        </Button>
      </Space>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginTop: 8 }} data-row-error={index} />}
    </div>
  );
}

interface ValueProps {
  name: string;
  field: QueryField;
  op: QueryOp;
  value: unknown;
  purposes: readonly { id: string; name: string }[];
  onChange: (value: unknown) => void;
}

function ValueInput({ name, field, op, value, purposes, onChange }: ValueProps) {
  const { t, lang } = useI18n();
  const label = `${name} · ${t('query.value')}`;
  if (op === 'exists') {
    return (
      <Select
        aria-label={label}
        style={{ width: 140 }}
        value={value as boolean | undefined}
        onChange={onChange}
        options={[
          { value: true, label: t('query.yes') },
          { value: false, label: t('query.no') },
        ]}
      />
    );
  }
  const choices =
    field.type === 'purposeId'
      ? purposes.map((purpose) => ({ value: purpose.id, label: purpose.name }))
      : field.values?.map((item) => ({ value: item, label: queryValueLabel(field.name, item, lang) }));
  if (choices) {
    return <Select aria-label={label} style={{ minWidth: 180 }} mode={op === 'in' ? 'multiple' : undefined} value={value} onChange={onChange} options={choices} />;
  }
  const numeric = NUMERIC.has(field.type);
  const bounds = { min: field.min, max: field.max, step: field.type === 'number' ? 0.1 : 1 };
  if (op === 'range') {
    const range = (value ?? {}) as Range;
    const end = (which: 'from' | 'to', bound: unknown) => onChange({ ...range, [which]: bound ?? undefined });
    return numeric ? (
      <Space>
        <InputNumber
          aria-label={`${label} · ${t('query.from')}`}
          placeholder={t('query.from')}
          {...bounds}
          value={range.from as number | undefined}
          onChange={(n) => end('from', n)}
        />
        <InputNumber aria-label={`${label} · ${t('query.to')}`} placeholder={t('query.to')} {...bounds} value={range.to as number | undefined} onChange={(n) => end('to', n)} />
      </Space>
    ) : (
      <Space>
        <DatePicker
          aria-label={`${label} · ${t('query.from')}`}
          placeholder={t('query.from')}
          value={range.from ? dayjs(String(range.from)) : null}
          onChange={(d) => end('from', d?.format(DATE))}
        />
        <DatePicker
          aria-label={`${label} · ${t('query.to')}`}
          placeholder={t('query.to')}
          value={range.to ? dayjs(String(range.to)) : null}
          onChange={(d) => end('to', d?.format(DATE))}
        />
      </Space>
    );
  }
  if (op === 'in') {
    // free values, one per Enter: numbers for numeric fields
    return (
      <Select
        aria-label={label}
        style={{ minWidth: 220 }}
        mode="tags"
        placeholder={t('query.inHint')}
        open={false}
        value={(value as unknown[] | undefined)?.map(String)}
        onChange={(items: string[]) => onChange(numeric ? items.map(Number).filter((n) => Number.isFinite(n)) : items)}
      />
    );
  }
  if (numeric) return <InputNumber aria-label={label} {...bounds} value={value as number | undefined} onChange={(n) => onChange(n ?? undefined)} />;
  if (field.type === 'date') return <DatePicker aria-label={label} value={typeof value === 'string' ? dayjs(value) : null} onChange={(d) => onChange(d?.format(DATE))} />;
  return <Input aria-label={label} style={{ width: 200 }} autoComplete="off" value={value as string | undefined} onChange={(event) => onChange(event.target.value)} />;
}
