import { Form, Input, InputNumber, Select, Space } from 'antd';
import { api, type BreakGlass } from '../../../api/api-client';
import { useI18n } from '../../../i18n/i18n';
import { today } from './record-tab';
import { DateField, EntryCards, RecordFormModal } from './record-form';

interface ResultRow {
  code: string;
  name: string;
  value: string;
  unit?: string;
  low?: number | null;
  high?: number | null;
  flag: 'auto' | 'abnormal' | 'normal';
}

interface Values {
  visitDate: string;
  institution: string;
  package?: string;
  results: ResultRow[];
  conclusions?: string;
}

export interface RecordedCheckup {
  visitId: string;
  followUpTaskId: string | null;
  position: number;
}

const NUMBER = /^[-+]?\d+(\.\d+)?$/;
const blank = (value: number | null | undefined) => value === undefined || value === null;

/** The form's rows as the API takes them: a numeric value as a number, the flag only when the report gives one. */
function resultBody(row: ResultRow) {
  const value = row.value.trim();
  const range = { ...(blank(row.low) ? {} : { low: row.low }), ...(blank(row.high) ? {} : { high: row.high }) };
  return {
    code: row.code.trim(),
    name: row.name.trim(),
    value: NUMBER.test(value) ? Number(value) : value,
    ...(row.unit?.trim() ? { unit: row.unit.trim() } : {}),
    ...(Object.keys(range).length > 0 ? { referenceRange: range } : {}),
    ...(row.flag === 'auto' ? {} : { abnormal: row.flag === 'abnormal' }),
  };
}

/** Records a check-up visit with its structured results (POST …/checkups), under the purpose chosen. */
export function CheckupForm({
  subjectId,
  purposeId,
  breakGlass,
  onClose,
}: {
  subjectId: string;
  purposeId: string;
  breakGlass?: BreakGlass;
  onClose: (recorded?: RecordedCheckup) => void;
}) {
  const { t } = useI18n();
  const required = [{ required: true, whitespace: true, message: t('form.required') }];
  const send = async (values: Values) => {
    const body = {
      visitDate: values.visitDate,
      institution: values.institution.trim(),
      package: values.package?.trim() || undefined,
      results: values.results.map(resultBody),
      conclusions: (values.conclusions ?? '')
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
      purposeId,
    };
    return (await api.request<RecordedCheckup>(`/v1/subjects/${subjectId}/checkups`, { method: 'POST', body, personalData: true, breakGlass })).data;
  };

  return (
    <RecordFormModal<Values, RecordedCheckup>
      title={t('checkups.record')}
      width={760}
      initialValues={{ visitDate: today(), results: [{ code: '', name: '', value: '', flag: 'auto' }] }}
      send={send}
      onClose={onClose}
    >
      <Space wrap align="start">
        <DateField name="visitDate" label={t('checkups.visitDate')} />
        <Form.Item name="institution" label={t('checkups.institution')} rules={required}>
          <Input style={{ width: 240 }} autoComplete="off" />
        </Form.Item>
        <Form.Item name="package" label={t('checkups.package')}>
          <Input style={{ width: 200 }} autoComplete="off" />
        </Form.Item>
      </Space>
      <EntryCards
        name="results"
        rules={[{ validator: async (_, rows?: unknown[]) => (rows?.length ? undefined : Promise.reject(new Error(t('checkups.needResult')))) }]}
        title={(index) => t('checkups.resultN', { n: index + 1 })}
        removeLabel={t('checkups.removeResult')}
        keep={1}
        addLabel={t('checkups.addResult')}
        newEntry={() => ({ code: '', name: '', value: '', flag: 'auto' })}
      >
        {(field) => (
          <Space wrap align="start">
            <Form.Item name={[field.name, 'code']} label={t('checkups.code')} rules={[...required, { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, message: t('checkups.code') }]}>
              <Input style={{ width: 110 }} autoComplete="off" />
            </Form.Item>
            <Form.Item name={[field.name, 'name']} label={t('checkups.name')} rules={required}>
              <Input style={{ width: 140 }} autoComplete="off" />
            </Form.Item>
            <Form.Item name={[field.name, 'value']} label={t('checkups.value')} rules={required}>
              <Input style={{ width: 100 }} autoComplete="off" />
            </Form.Item>
            <Form.Item name={[field.name, 'unit']} label={t('checkups.unit')}>
              <Input style={{ width: 90 }} autoComplete="off" />
            </Form.Item>
            <Form.Item name={[field.name, 'low']} label={t('checkups.rangeLow')}>
              <InputNumber style={{ width: 100 }} />
            </Form.Item>
            <Form.Item name={[field.name, 'high']} label={t('checkups.rangeHigh')}>
              <InputNumber style={{ width: 100 }} />
            </Form.Item>
            <Form.Item name={[field.name, 'flag']} label={t('checkups.flag')}>
              <Select
                style={{ width: 190 }}
                aria-label={t('checkups.flag')}
                options={(['auto', 'abnormal', 'normal'] as const).map((value) => ({ value, label: t(`checkups.flag.${value}`) }))}
              />
            </Form.Item>
          </Space>
        )}
      </EntryCards>
      <Form.Item name="conclusions" label={t('checkups.conclusions')} extra={t('checkups.conclusionsHint')}>
        <Input.TextArea rows={3} />
      </Form.Item>
    </RecordFormModal>
  );
}
