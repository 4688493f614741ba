import { useState } from 'react';
import { Alert, App, Button, Descriptions, Form, Input, Modal, Popconfirm, Select, Space, Tag, Typography } from 'antd';
import { api, type BreakGlass } from '../../../api/api-client';
import type { Profile } from '../../../api/types';
import { describeError } from '../../../api/problem-messages';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { when } from '../customer-file-tabs';
import { saveCategory } from './contact-tab';
import { CUSTOMER_TIERS, CUSTOMER_TYPES, MAX_TAG_LENGTH, MAX_TAGS } from '../../../../../../libs/ledger-domain/src/subject/customer-profile';
import { LIFECYCLE_TRANSITIONS, type LifecycleStage } from '../../../../../../libs/ledger-domain/src/subject/lifecycle';

interface ProfileValues {
  customerType?: string;
  tier?: string;
  tags?: string[];
  remarks?: string;
}

const TIER_COLOURS: Record<string, string> = { standard: 'default', silver: 'geekblue', gold: 'gold', platinum: 'purple', diamond: 'magenta' };

/** How the centre classifies the customer (category customer_profile): type, tier, tags, remarks; edited with If-Match, only the changed fields sent. */
export function CustomerProfileTab({
  profile,
  mayEdit,
  purposeId,
  breakGlass,
  onChanged,
}: {
  profile: Profile;
  mayEdit: boolean;
  purposeId: string | undefined;
  breakGlass?: BreakGlass;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const current = (profile.data.customer_profile ?? {}) as ProfileValues;
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (values: ProfileValues) => {
    const set: Record<string, unknown> = {};
    for (const field of ['customerType', 'tier', 'tags', 'remarks'] as const) {
      const value = values[field];
      const after = typeof value === 'string' ? value.trim() : value;
      if (JSON.stringify(after ?? null) === JSON.stringify(current[field] ?? null)) continue;
      set[field] = after === '' || after === undefined || (Array.isArray(after) && after.length === 0) ? null : after;
    }
    if (Object.keys(set).length === 0) return setEditing(false);
    setBusy(true);
    setError(undefined);
    const refused = await saveCategory(profile, 'customer_profile', set, purposeId!, breakGlass, lang, t);
    setBusy(false);
    if (refused) return setError(refused);
    setEditing(false);
    onChanged();
  };
  return (
    <>
      <Descriptions column={1} bordered size="small" data-testid="customer-profile">
        <Descriptions.Item label={t('profile.customerType')}>{current.customerType ? t(`profile.type.${current.customerType}` as MessageKey) : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('profile.tier')}>
          {current.tier ? <Tag color={TIER_COLOURS[current.tier]}>{t(`profile.tier.${current.tier}` as MessageKey)}</Tag> : '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('profile.tags')}>{(current.tags ?? []).length ? current.tags!.map((tag) => <Tag key={tag}>{tag}</Tag>) : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('profile.remarks')}>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{current.remarks ?? '—'}</Typography.Paragraph>
        </Descriptions.Item>
      </Descriptions>
      {mayEdit && purposeId && (
        <Button style={{ marginTop: 12 }} onClick={() => setEditing(true)}>
          {t('file.edit')}
        </Button>
      )}
      {editing && (
        <Modal open title={t('edit.title', { category: t('profile.tab') })} onCancel={() => setEditing(false)} footer={null} width={600} destroyOnHidden>
          <Form<ProfileValues> layout="vertical" initialValues={current} onFinish={(values) => void submit(values)}>
            <Space wrap align="start">
              <Form.Item name="customerType" label={t('profile.customerType')}>
                <Select
                  allowClear
                  aria-label={t('profile.customerType')}
                  style={{ width: 180 }}
                  options={CUSTOMER_TYPES.map((value) => ({ value, label: t(`profile.type.${value}`) }))}
                />
              </Form.Item>
              <Form.Item name="tier" label={t('profile.tier')}>
                <Select allowClear aria-label={t('profile.tier')} style={{ width: 140 }} options={CUSTOMER_TIERS.map((value) => ({ value, label: t(`profile.tier.${value}`) }))} />
              </Form.Item>
            </Space>
            <Form.Item
              name="tags"
              label={t('profile.tags')}
              rules={[
                {
                  validator: (_, tags?: string[]) =>
                    !tags || (tags.length <= MAX_TAGS && tags.every((tag) => tag.trim().length >= 1 && tag.trim().length <= MAX_TAG_LENGTH))
                      ? Promise.resolve()
                      : Promise.reject(new Error(`≤ ${MAX_TAGS} × ≤ ${MAX_TAG_LENGTH}`)),
                },
              ]}
            >
              <Select mode="tags" open={false} aria-label={t('profile.tags')} tokenSeparators={[',', '，']} />
            </Form.Item>
            <Form.Item name="remarks" label={t('profile.remarks')}>
              <Input.TextArea rows={3} maxLength={2000} />
            </Form.Item>
            {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
            <Typography.Paragraph type="secondary">{t('edit.version', { version: profile.version })}</Typography.Paragraph>
            <Button type="primary" htmlType="submit" loading={busy}>
              {t('edit.save')}
            </Button>
          </Form>
        </Modal>
      )}
    </>
  );
}

export interface Lifecycle {
  stage: LifecycleStage;
  changedAt: string | null;
}

const STAGE_COLOURS: Record<LifecycleStage, string> = { prospect: 'blue', active: 'green', dormant: 'orange', churned: 'default' };

/** The customer's lifecycle stage and the moves it allows (PUT …/lifecycle with If-Match), each confirmed first. */
export function LifecycleControl({
  subjectId,
  lifecycle,
  version,
  mayMove,
  purposeId,
  breakGlass,
  onChanged,
}: {
  subjectId: string;
  lifecycle: Lifecycle | undefined;
  version: number;
  mayMove: boolean;
  purposeId: string | undefined;
  breakGlass?: BreakGlass;
  onChanged: () => void;
}) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [error, setError] = useState<string | undefined>();
  if (!lifecycle) return null;
  const name = (stage: LifecycleStage) => t(`lifecycle.${stage}`);
  const move = async (stage: LifecycleStage) => {
    setError(undefined);
    try {
      await api.request(`/v1/subjects/${subjectId}/lifecycle`, { method: 'PUT', body: { stage, purposeId }, ifMatch: version, personalData: true, breakGlass });
      void message.success(t('lifecycle.moved', { stage: name(stage) }));
      onChanged();
    } catch (caught) {
      setError(describeError(caught, lang));
    }
  };
  return (
    <Space wrap size={4} data-testid="lifecycle">
      <Typography.Text type="secondary">{t('lifecycle.label')}</Typography.Text>
      <Tag color={STAGE_COLOURS[lifecycle.stage]}>{name(lifecycle.stage)}</Tag>
      {lifecycle.changedAt && <Typography.Text type="secondary">{t('lifecycle.changedAt', { at: when(lifecycle.changedAt, lang) })}</Typography.Text>}
      {mayMove &&
        purposeId &&
        LIFECYCLE_TRANSITIONS[lifecycle.stage].map((stage) => (
          <Popconfirm key={stage} title={t('lifecycle.confirm', { from: name(lifecycle.stage), to: name(stage) })} onConfirm={() => void move(stage)}>
            <Button size="small">{t('lifecycle.moveTo', { stage: name(stage) })}</Button>
          </Popconfirm>
        ))}
      {error && <Alert type="error" showIcon role="alert" title={error} />}
    </Space>
  );
}
