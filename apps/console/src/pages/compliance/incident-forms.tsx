import { Alert, Form, Radio, Select, Space, Input, Typography } from 'antd';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel } from '../../i18n/labels';
import type { MessageKey } from '../../i18n/messages';
import type { RegistryCategory } from '../admin/admin-types';
import { DateTimeField, instant, RecordFormModal } from '../customers/records/record-form';

/** Account and system identifiers, channels and references, as the API takes them: codes, never free text or PI. */
export const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const KINDS = ['compromised-account', 'unauthorised-access', 'data-leak', 'lost-device', 'malware', 'other'] as const;

interface IncidentValues {
  kind: string;
  detectedAt: string;
  from: string;
  to: string;
  actors?: string[];
  systems?: string[];
  categories?: string[];
}

export interface RecordedIncident {
  incidentId: string;
}

/** Identifiers typed one by one (Enter or a comma after each), each checked as a code. */
function TokenList({ name, label, hint }: { name: string; label: string; hint: string }) {
  const { t } = useI18n();
  return (
    <Form.Item
      name={name}
      label={label}
      extra={hint}
      rules={[{ validator: async (_, list?: string[]) => ((list ?? []).every((item) => TOKEN.test(item)) ? undefined : Promise.reject(new Error(t('incidents.tokenHint')))) }]}
    >
      <Select mode="tags" aria-label={label} tokenSeparators={[',', ' ']} open={false} suffixIcon={null} />
    </Form.Item>
  );
}

/**
 * Opens a security incident (PIPL Art. 57): its kind, when it was found, the window in which data was exposed and
 * the accounts or systems involved (identifiers only: no PI and no free text enter the record), limited to some
 * categories or none (all).
 */
export function IncidentForm({ categories, onClose }: { categories: RegistryCategory[]; onClose: (recorded?: RecordedIncident) => void }) {
  const { t, lang } = useI18n();
  const send = async (values: IncidentValues) => {
    const body = {
      kind: values.kind,
      detectedAt: instant(values.detectedAt),
      from: instant(values.from),
      to: instant(values.to),
      actors: values.actors ?? [],
      systems: values.systems ?? [],
      ...(values.categories?.length ? { categories: values.categories } : {}),
    };
    return (await api.request<RecordedIncident>('/v1/compliance/incidents', { method: 'POST', body })).data;
  };
  return (
    <RecordFormModal<IncidentValues, RecordedIncident>
      title={t('incidents.record')}
      width={680}
      initialValues={{ actors: [], systems: [], categories: [] }}
      send={send}
      onClose={onClose}
      saveLabel={t('incidents.recordOk')}
    >
      <Alert type="info" showIcon role="note" title={t('incidents.noPi')} style={{ marginBottom: 16 }} />
      <Space wrap align="start">
        <Form.Item name="kind" label={t('incidents.kind')} rules={[{ required: true, message: t('form.required') }]}>
          <Select style={{ width: 200 }} aria-label={t('incidents.kind')} options={KINDS.map((value) => ({ value, label: t(`incidents.kind.${value}` as MessageKey) }))} />
        </Form.Item>
        <DateTimeField name="detectedAt" label={t('incidents.detectedAt')} />
      </Space>
      <Space wrap align="start">
        <DateTimeField name="from" label={t('incidents.from')} />
        <DateTimeField name="to" label={t('incidents.to')} />
      </Space>
      <TokenList name="actors" label={t('incidents.actors')} hint={t('incidents.actorsHint')} />
      <TokenList name="systems" label={t('incidents.systems')} hint={t('incidents.systemsHint')} />
      <Form.Item name="categories" label={t('incidents.categories')} extra={t('incidents.categoriesHint')}>
        <Select mode="multiple" aria-label={t('incidents.categories')} options={categories.map((c) => ({ value: c.name, label: categoryLabel(c.name, lang) }))} />
      </Form.Item>
    </RecordFormModal>
  );
}

interface NotificationValues {
  audience: 'regulator' | 'subjects';
  channel: string;
  reference?: string;
  notifiedAt: string;
}

/**
 * Records a notification sent (Art. 57): to the regulator (its case number as the reference) or to the affected
 * individuals (the API records how many and a digest of the list as it computes it now).
 */
export function NotificationForm({ incidentId, onClose }: { incidentId: string; onClose: (recorded?: boolean) => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<NotificationValues>();
  const audience = Form.useWatch('audience', form);
  const send = async (values: NotificationValues) => {
    const body = { audience: values.audience, channel: values.channel.trim(), reference: values.reference?.trim() || undefined, notifiedAt: instant(values.notifiedAt) };
    await api.request(`/v1/compliance/incidents/${incidentId}/notifications`, { method: 'POST', body });
    return true;
  };
  const token = [{ pattern: TOKEN, message: t('incidents.tokenHint') }];
  return (
    <RecordFormModal<NotificationValues, boolean>
      title={t('incidents.notify')}
      width={560}
      form={form}
      initialValues={{ audience: 'regulator' }}
      send={send}
      onClose={onClose}
      saveLabel={t('incidents.notifyOk')}
    >
      <Form.Item name="audience" label={t('incidents.audience')} rules={[{ required: true, message: t('form.required') }]}>
        <Radio.Group optionType="button" options={(['regulator', 'subjects'] as const).map((value) => ({ value, label: t(`incidents.audience.${value}`) }))} />
      </Form.Item>
      {audience === 'subjects' && (
        <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
          {t('incidents.subjectsNotice')}
        </Typography.Paragraph>
      )}
      <Form.Item name="channel" label={t('incidents.channel')} extra={t('incidents.channelHint')} rules={[{ required: true, message: t('form.required') }, ...token]}>
        <Input autoComplete="off" />
      </Form.Item>
      <Form.Item name="reference" label={t('incidents.reference')} extra={t('incidents.referenceHint')} rules={token}>
        <Input autoComplete="off" />
      </Form.Item>
      <DateTimeField name="notifiedAt" label={t('incidents.notifiedAt')} />
    </RecordFormModal>
  );
}
