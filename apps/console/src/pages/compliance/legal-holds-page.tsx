import { useCallback, useState } from 'react';
import { Button, Card, DatePicker, Form, Input, Modal, Popconfirm, Select, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel } from '../../i18n/labels';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import type { LegalHold, RegistryCategory } from '../admin/admin-types';
import { Id, LoadError, useLoad, useRun, when } from '../admin/page-kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOLD_COLOURS: Record<string, string> = { active: 'red', released: 'default', expired: 'default' };

/** Legal holds (PIPL Art. 47): categories kept through an erasure, for storage only, until the hold ends; placed and released here. */
export default function LegalHoldsPage() {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const run = useRun();
  const mayChange = hasAnyRole(user, ['compliance_officer', 'admin']);
  const holds = useLoad(useCallback(() => api.get<{ items: LegalHold[] }>('/v1/legal-holds').then((page) => page.items), []));
  const categories = useLoad(useCallback(() => api.get<RegistryCategory[]>('/v1/categories'), []));
  const [placing, setPlacing] = useState(false);
  const [form] = Form.useForm<{ subjectId?: string; categories: string[]; basis: string; until: Dayjs }>();

  const place = async (values: { subjectId?: string; categories: string[]; basis: string; until: Dayjs }) => {
    const body = { ...values, subjectId: values.subjectId?.trim() || undefined, until: values.until.format('YYYY-MM-DD') };
    if (await run(() => api.request('/v1/legal-holds', { method: 'POST', body }), t('holds.placed'))) {
      setPlacing(false);
      form.resetFields();
      holds.reload();
    }
  };

  return (
    <>
      <Typography.Title level={2}>{t('menu.legalHolds')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('holds.explain')}</Typography.Paragraph>
      <LoadError error={holds.error ?? categories.error} />
      <Card
        extra={
          mayChange && (
            <Button type="primary" onClick={() => setPlacing(true)}>
              {t('holds.place')}
            </Button>
          )
        }
      >
        <Table<LegalHold>
          rowKey="holdId"
          data-testid="legal-holds"
          loading={!holds.data && !holds.error}
          dataSource={holds.data ?? []}
          scroll={{ x: true }}
          columns={[
            { title: t('holds.subject'), dataIndex: 'subjectId', render: (id?: string) => (id ? <Id value={id} /> : t('holds.everyone')) },
            { title: t('holds.categories'), dataIndex: 'categories', render: (list: string[]) => list.map((c) => <Tag key={c}>{categoryLabel(c, lang)}</Tag>) },
            { title: t('holds.basis'), dataIndex: 'basis' },
            { title: t('holds.until'), dataIndex: 'until' },
            {
              title: t('field.status'),
              dataIndex: 'status',
              render: (status: string) => <Tag color={HOLD_COLOURS[status]}>{t(`holds.status.${status}` as 'holds.status.active')}</Tag>,
            },
            { title: t('holds.placedAt'), dataIndex: 'placedAt', render: (at: string) => when(at, lang) },
            {
              title: '',
              key: 'release',
              render: (_: unknown, hold) =>
                mayChange &&
                hold.status === 'active' && (
                  <Popconfirm
                    title={t('holds.releaseExplain')}
                    okText={t('holds.release')}
                    cancelText={t('admin.cancel')}
                    onConfirm={() => void run(() => api.request(`/v1/legal-holds/${hold.holdId}`, { method: 'DELETE' }), t('holds.released')).then(holds.reload)}
                  >
                    <Button size="small" danger>
                      {t('holds.release')}
                    </Button>
                  </Popconfirm>
                ),
            },
          ]}
        />
      </Card>
      <Modal open={placing} title={t('holds.place')} onCancel={() => setPlacing(false)} onOk={() => form.submit()} okText={t('holds.placeOk')} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(values) => void place(values)} initialValues={{ categories: [] }}>
          <Form.Item name="subjectId" label={t('holds.subjectId')} extra={t('holds.subjectHint')} rules={[{ pattern: UUID, message: t('holds.subjectHint') }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="categories" label={t('holds.categories')} rules={[{ required: true, type: 'array', min: 1 }]}>
            <Select mode="multiple" aria-label={t('holds.categories')} options={(categories.data ?? []).map((c) => ({ value: c.name, label: categoryLabel(c.name, lang) }))} />
          </Form.Item>
          <Form.Item name="basis" label={t('holds.basis')} extra={t('holds.basisHint')} rules={[{ required: true, max: 500 }]}>
            <Input />
          </Form.Item>
          <Form.Item name="until" label={t('holds.until')} rules={[{ required: true }]}>
            <DatePicker />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
