import { useCallback, useState } from 'react';
import { Alert, App, Button, Form, Input, Select, Space, Table, Typography } from 'antd';
import { api, type BreakGlass } from '../../../api/api-client';
import type { ServiceRecord } from '../../../api/types';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { usePurpose } from '../../../session/purpose';
import { useSession } from '../../../session/session';
import { StaffRef } from './follow-up-parts';
import { useLoad } from '../customer-file-tabs';
import { today, type RecordTabProps } from './record-tab';
import { DateField, RecordFormModal } from './record-form';
import { SERVICE_TYPES } from '../../../../../../libs/ledger-domain/src/service-records/service-record.events';

const typeKey = (type: string) => `services.type.${type}` as MessageKey;
/** A shredded record's details read "[erased]". */
const details = (record: ServiceRecord) => (typeof record.details === 'object' ? record.details : { content: String(record.details) });

/** The services given to the customer (服务记录, category service_interactions), newest first, and a form to record one. */
export function ServicesTab({ subjectId, mayWrite, breakGlass }: RecordTabProps) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const { user } = useSession();
  const [type, setType] = useState<string | undefined>();
  const [recording, setRecording] = useState(false);
  const load = useCallback(
    () => api.get<{ items: ServiceRecord[] }>(`/v1/subjects/${subjectId}/service-records`, { personalData: true, breakGlass, query: { serviceType: type } }),
    [subjectId, breakGlass, type],
  );
  const { data, error, reload } = useLoad(load);
  return (
    <>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
      <Space wrap style={{ marginBottom: 12 }}>
        {mayWrite && purpose && (
          <Button type="primary" onClick={() => setRecording(true)}>
            {t('services.record')}
          </Button>
        )}
        <Select
          allowClear
          aria-label={t('services.type')}
          placeholder={t('services.allTypes')}
          style={{ width: 180 }}
          value={type}
          onChange={setType}
          options={SERVICE_TYPES.map((value) => ({ value, label: t(typeKey(value)) }))}
        />
      </Space>
      <Table<ServiceRecord>
        data-testid="service-records"
        rowKey="recordId"
        size="small"
        loading={!data && !error}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        dataSource={data?.items ?? []}
        locale={{ emptyText: <Typography.Text type="secondary">{t('services.none')}</Typography.Text> }}
        columns={[
          { title: t('services.date'), dataIndex: 'serviceDate' },
          { title: t('services.type'), dataIndex: 'serviceType', render: (value: string) => t(typeKey(value)) },
          { title: t('services.content'), key: 'content', render: (_, record) => details(record).content },
          { title: t('services.outcome'), key: 'outcome', render: (_, record) => details(record).outcome ?? '' },
          { title: t('services.staff'), dataIndex: 'staffId', render: (id: string) => <StaffRef id={id} me={user?.id} /> },
        ]}
      />
      {recording && purpose && (
        <ServiceForm
          subjectId={subjectId}
          purposeId={purpose.id}
          breakGlass={breakGlass}
          onClose={(saved) => {
            setRecording(false);
            if (!saved) return;
            void message.success(t('records.saved'));
            reload();
          }}
        />
      )}
    </>
  );
}

interface ServiceValues {
  serviceDate: string;
  serviceType: string;
  content: string;
  outcome?: string;
}

function ServiceForm({ subjectId, purposeId, breakGlass, onClose }: { subjectId: string; purposeId: string; breakGlass?: BreakGlass; onClose: (saved?: unknown) => void }) {
  const { t } = useI18n();
  // an empty outcome is left out (undefined is not sent)
  const send = (values: ServiceValues) =>
    api.request(`/v1/subjects/${subjectId}/service-records`, {
      method: 'POST',
      body: { ...values, content: values.content.trim(), outcome: values.outcome?.trim() || undefined, purposeId },
      personalData: true,
      breakGlass,
    });
  return (
    <RecordFormModal<ServiceValues, unknown> title={t('services.record')} width={600} initialValues={{ serviceDate: today() }} send={send} onClose={onClose}>
      <Space wrap align="start">
        <DateField name="serviceDate" label={t('services.date')} />
        <Form.Item name="serviceType" label={t('services.type')} rules={[{ required: true, message: t('form.required') }]}>
          <Select style={{ width: 200 }} aria-label={t('services.type')} options={SERVICE_TYPES.map((value) => ({ value, label: t(typeKey(value)) }))} />
        </Form.Item>
      </Space>
      <Form.Item name="content" label={t('services.content')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
        <Input.TextArea rows={3} maxLength={4000} />
      </Form.Item>
      <Form.Item name="outcome" label={t('services.outcome')}>
        <Input.TextArea rows={2} maxLength={2000} />
      </Form.Item>
    </RecordFormModal>
  );
}
