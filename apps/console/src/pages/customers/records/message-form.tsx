import { Alert, Form, Input, Radio, Select, Space } from 'antd';
import { api } from '../../../api/api-client';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { RecordFormModal, type RecordFormProps } from './record-form';

/** The kinds staff write by hand; survey invitations and change notices are queued by the ledger itself. */
const KINDS = ['general', 'checkup_reminder', 'follow_up_reminder', 'birthday_care', 'marketing'] as const;
type Kind = (typeof KINDS)[number];
const MARKETING_PURPOSE = 'marketing';

/** The centre's standard texts (in Chinese, as its customers read them), the ledger's own sweeps' wording: a start the person edits. */
const TEMPLATES: Record<Exclude<Kind, 'general' | 'marketing'>, { subject: string; body: string }> = {
  checkup_reminder: { subject: '体检提醒', body: '您好！距您上次在本中心体检已有一段时间，建议您近期预约新一次健康体检。预约请回复或致电中心。' },
  follow_up_reminder: { subject: '回访提醒', body: '您好！您的健康管理师将于近日与您联系，进行健康回访。如时间不便，请回复或致电中心调整。' },
  birthday_care: { subject: '生日快乐', body: '您好！今天是您的生日，健康管理中心全体同仁祝您生日快乐、身体健康！' },
};

interface Values {
  kind: Kind;
  channel: 'auto' | 'email' | 'sms';
  subject: string;
  body: string;
}

export interface QueuedMessage {
  messageId: string;
  channel: string;
  position: number;
}

/**
 * Writes a message to the customer, queued through the ledger's outbox (POST …/messages): under the chosen
 * purpose, or a marketing message under the marketing purpose, which the API sends only with the customer's
 * active marketing consent and on a channel the customer chose (each refusal explained in plain words).
 */
export function MessageForm({ subjectId, purposeId, breakGlass, onClose }: RecordFormProps<QueuedMessage>) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form);
  // marketing goes only under its own purpose, and no other kind under it
  const kinds = purposeId === MARKETING_PURPOSE ? (['marketing'] as const) : KINDS;
  const required = [{ required: true, whitespace: true, message: t('form.required') }];
  const send = async (values: Values) => {
    const body = {
      kind: values.kind,
      ...(values.channel === 'auto' ? {} : { channel: values.channel }),
      subject: values.subject.trim(),
      body: values.body.trim(),
      purposeId: values.kind === 'marketing' ? MARKETING_PURPOSE : purposeId,
    };
    return (await api.request<QueuedMessage>(`/v1/subjects/${subjectId}/messages`, { method: 'POST', body, personalData: true, breakGlass })).data;
  };
  const useTemplate = (next: Kind) => {
    const template = next in TEMPLATES ? TEMPLATES[next as keyof typeof TEMPLATES] : undefined;
    const { subject, body } = form.getFieldsValue(['subject', 'body']);
    const untouched = !subject?.trim() || Object.values(TEMPLATES).some((known) => known.subject === subject);
    if (template && untouched && (!body?.trim() || Object.values(TEMPLATES).some((known) => known.body === body))) form.setFieldsValue(template);
  };
  return (
    <RecordFormModal<Values, QueuedMessage>
      title={t('messages.write')}
      width={640}
      form={form}
      initialValues={{ kind: kinds[0], channel: 'auto' }}
      send={send}
      onClose={onClose}
      saveLabel={t('messages.queue')}
    >
      <Space wrap align="start">
        <Form.Item name="kind" label={t('messages.kind')} rules={[{ required: true, message: t('form.required') }]}>
          <Select
            style={{ width: 180 }}
            aria-label={t('messages.kind')}
            onChange={useTemplate}
            options={kinds.map((value) => ({ value, label: t(`messages.kind.${value}` as MessageKey) }))}
          />
        </Form.Item>
        <Form.Item name="channel" label={t('messages.channel')} extra={t('messages.channelHint')}>
          <Radio.Group
            optionType="button"
            options={[
              { value: 'auto', label: t('messages.channel.auto') },
              { value: 'email', label: t('followUps.channel.email') },
              { value: 'sms', label: t('followUps.channel.sms') },
            ]}
          />
        </Form.Item>
      </Space>
      {kind === 'marketing' && <Alert type="info" showIcon role="note" title={t('messages.marketingRule')} style={{ marginBottom: 16 }} />}
      <Form.Item name="subject" label={t('messages.subject')} rules={[...required, { max: 200 }]}>
        <Input maxLength={200} autoComplete="off" />
      </Form.Item>
      <Form.Item name="body" label={t('messages.body')} rules={[...required, { max: 4000 }]}>
        <Input.TextArea rows={5} maxLength={4000} showCount />
      </Form.Item>
    </RecordFormModal>
  );
}
