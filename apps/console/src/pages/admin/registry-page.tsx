import { useCallback, useState } from 'react';
import { Button, Card, Form, Input, InputNumber, Modal, Select, Switch, Table, Tabs, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel, legalBasisLabel } from '../../i18n/labels';
import { LEGAL_BASES } from '../../../../../libs/ledger-domain/src/legal-basis';
import type { NoticeSummary, RegistryCategory, RegistryPurpose } from './admin-types';
import { LoadError, useLoad, useRun, when } from './page-kit';

/** The registry every processing decision is made in: purposes, notices and categories; admin defines, everyone may read. */
export default function RegistryPage() {
  const { t, lang } = useI18n();
  const run = useRun();
  const purposes = useLoad(useCallback(() => api.get<RegistryPurpose[]>('/v1/purposes'), []));
  const notices = useLoad(useCallback(() => api.get<NoticeSummary[]>('/v1/notices'), []));
  const categories = useLoad(useCallback(() => api.get<RegistryCategory[]>('/v1/categories'), []));
  const [dialog, setDialog] = useState<'purpose' | 'notice' | undefined>();
  const [reading, setReading] = useState<{ version: string; content: string } | undefined>();
  const [purposeForm] = Form.useForm<RegistryPurpose>();
  const [noticeForm] = Form.useForm<{ version: string; content: string; purposeIds: string[] }>();
  const categoryOptions = (categories.data ?? []).map((c) => ({ value: c.name, label: categoryLabel(c.name, lang) }));
  const purposeOptions = (purposes.data ?? []).map((p) => ({ value: p.id, label: `${p.name} (${p.id})` }));

  const define = async (path: string, body: unknown, done: string, reload: () => void) => {
    if (await run(() => api.request(path, { method: 'POST', body }), done)) {
      setDialog(undefined);
      reload();
    }
  };
  const setCategory = (name: string, body: { sensitive?: boolean; retentionAfterEndDays?: number }) =>
    void run(() => api.request(`/v1/categories/${name}`, { method: 'PATCH', body }), t('registry.categorySaved')).then(categories.reload);

  return (
    <>
      <Typography.Title level={2}>{t('menu.registry')}</Typography.Title>
      <LoadError error={purposes.error ?? notices.error ?? categories.error} />
      <Tabs
        items={[
          {
            key: 'purposes',
            label: t('registry.purposes'),
            children: (
              <Card
                extra={
                  <Button type="primary" onClick={() => setDialog('purpose')}>
                    {t('registry.definePurpose')}
                  </Button>
                }
              >
                <Table<RegistryPurpose>
                  rowKey="id"
                  data-testid="purposes-table"
                  dataSource={purposes.data ?? []}
                  pagination={false}
                  scroll={{ x: true }}
                  columns={[
                    { title: t('registry.purposeId'), dataIndex: 'id', render: (id: string) => <Typography.Text code>{id}</Typography.Text> },
                    { title: t('registry.purposeName'), dataIndex: 'name' },
                    { title: t('registry.legalBasis'), dataIndex: 'legalBasis', render: (basis: string) => legalBasisLabel(basis, lang) },
                    { title: t('registry.categories'), dataIndex: 'categories', render: (list: string[]) => list.map((c) => <Tag key={c}>{categoryLabel(c, lang)}</Tag>) },
                    { title: t('registry.retentionDays'), dataIndex: 'retentionDays', render: (days?: number) => days ?? '' },
                    {
                      title: t('registry.assessment'),
                      dataIndex: 'requiresAssessment',
                      render: (yes?: boolean) => (yes ? <Tag color="orange">{t('registry.required')}</Tag> : ''),
                    },
                  ]}
                />
              </Card>
            ),
          },
          {
            key: 'notices',
            label: t('registry.notices'),
            children: (
              <Card
                extra={
                  <Button type="primary" onClick={() => setDialog('notice')}>
                    {t('registry.publishNotice')}
                  </Button>
                }
              >
                <Table<NoticeSummary>
                  rowKey="version"
                  dataSource={notices.data ?? []}
                  pagination={false}
                  scroll={{ x: true }}
                  columns={[
                    {
                      title: t('registry.noticeVersion'),
                      dataIndex: 'version',
                      render: (version: string) => (
                        <Button
                          type="link"
                          style={{ padding: 0 }}
                          onClick={() => void api.get<{ version: string; content: string }>(`/v1/notices/${encodeURIComponent(version)}`).then(setReading)}
                        >
                          {version}
                        </Button>
                      ),
                    },
                    { title: t('registry.noticePurposes'), dataIndex: 'purposeIds', render: (ids: string[]) => ids.map((id) => <Tag key={id}>{id}</Tag>) },
                    { title: t('registry.publishedAt'), dataIndex: 'publishedAt', render: (at: string) => when(at, lang) },
                    { title: t('registry.contentHash'), dataIndex: 'contentHash', render: (hash: string) => <Typography.Text code>{hash.slice(0, 16)}…</Typography.Text> },
                  ]}
                />
              </Card>
            ),
          },
          {
            key: 'categories',
            label: t('registry.categoriesTab'),
            children: (
              <Card>
                <Typography.Paragraph type="secondary">{t('registry.categoriesExplain')}</Typography.Paragraph>
                <Table<RegistryCategory>
                  rowKey="name"
                  dataSource={categories.data ?? []}
                  pagination={false}
                  scroll={{ x: true }}
                  columns={[
                    { title: t('registry.category'), dataIndex: 'name', render: (name: string) => categoryLabel(name, lang) },
                    { title: t('registry.fields'), dataIndex: 'fields', render: (fields: string[]) => fields.join(', ') },
                    {
                      title: t('registry.sensitive'),
                      dataIndex: 'sensitive',
                      render: (sensitive: boolean, c) => (
                        <Switch
                          checked={sensitive}
                          aria-label={t('registry.sensitiveOf', { category: categoryLabel(c.name, lang) })}
                          onChange={(on) => setCategory(c.name, { sensitive: on })}
                        />
                      ),
                    },
                    {
                      title: t('registry.retentionAfterEnd'),
                      dataIndex: 'retentionAfterEndDays',
                      render: (days: number, c) => (
                        <InputNumber
                          min={0}
                          max={10950}
                          defaultValue={days}
                          aria-label={t('registry.retentionOf', { category: categoryLabel(c.name, lang) })}
                          onBlur={(event) => {
                            const value = Number(event.target.value);
                            if (Number.isInteger(value) && value !== days) setCategory(c.name, { retentionAfterEndDays: value });
                          }}
                        />
                      ),
                    },
                  ]}
                />
              </Card>
            ),
          },
        ]}
      />
      <Modal
        open={dialog === 'purpose'}
        title={t('registry.definePurpose')}
        onCancel={() => setDialog(undefined)}
        onOk={() => purposeForm.submit()}
        okText={t('registry.defineOk')}
        destroyOnHidden
        width={640}
      >
        <Form
          form={purposeForm}
          layout="vertical"
          initialValues={{ legalBasis: 'consent', necessaryForService: false, categories: [] }}
          onFinish={(values) => void define('/v1/purposes', values, t('registry.purposeDefined'), purposes.reload)}
        >
          <Form.Item
            name="id"
            label={t('registry.purposeId')}
            extra={t('registry.purposeIdHint')}
            rules={[{ required: true, pattern: /^[a-z0-9][a-z0-9-]{0,62}$/, message: t('registry.purposeIdHint') }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="name" label={t('registry.purposeName')} rules={[{ required: true, max: 200 }]}>
            <Input />
          </Form.Item>
          <Form.Item name="description" label={t('registry.description')} rules={[{ required: true, max: 4000 }]}>
            <Input.TextArea rows={3} />
          </Form.Item>
          <Form.Item name="legalBasis" label={t('registry.legalBasis')} rules={[{ required: true }]}>
            <Select aria-label={t('registry.legalBasis')} options={LEGAL_BASES.map((basis) => ({ value: basis, label: legalBasisLabel(basis, lang) }))} />
          </Form.Item>
          <Form.Item name="categories" label={t('registry.categories')} rules={[{ required: true, type: 'array', min: 1 }]}>
            <Select mode="multiple" aria-label={t('registry.categories')} options={categoryOptions} />
          </Form.Item>
          <Form.Item name="retentionDays" label={t('registry.retentionDays')}>
            <InputNumber min={1} max={36500} />
          </Form.Item>
          <Form.Item name="necessaryForService" label={t('registry.necessary')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={dialog === 'notice'}
        title={t('registry.publishNotice')}
        onCancel={() => setDialog(undefined)}
        onOk={() => noticeForm.submit()}
        okText={t('registry.publishOk')}
        destroyOnHidden
        width={720}
      >
        <Typography.Paragraph type="secondary">{t('registry.noticeImmutable')}</Typography.Paragraph>
        <Form
          form={noticeForm}
          layout="vertical"
          initialValues={{ purposeIds: [] }}
          onFinish={(values) => void define('/v1/notices', values, t('registry.noticePublished'), notices.reload)}
        >
          <Form.Item name="version" label={t('registry.noticeVersion')} rules={[{ required: true, pattern: /^[\w.-]{1,40}$/ }]}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="purposeIds" label={t('registry.noticePurposes')} rules={[{ required: true, type: 'array', min: 1 }]}>
            <Select mode="multiple" aria-label={t('registry.noticePurposes')} options={purposeOptions} />
          </Form.Item>
          <Form.Item name="content" label={t('registry.noticeContent')} rules={[{ required: true }]}>
            <Input.TextArea rows={10} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal open={!!reading} title={reading ? t('registry.noticeOf', { version: reading.version }) : ''} onCancel={() => setReading(undefined)} footer={null} width={720}>
        <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{reading?.content}</Typography.Paragraph>
      </Modal>
    </>
  );
}
