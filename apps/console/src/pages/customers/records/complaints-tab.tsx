import { useCallback, useState } from 'react';
import { Alert, App, Button, Checkbox, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { api, type BreakGlass } from '../../../api/api-client';
import { useI18n } from '../../../i18n/i18n';
import { usePurpose } from '../../../session/purpose';
import { useSession } from '../../../session/session';
import { useLoad, when } from '../customer-file-tabs';
import { StaffRef } from './follow-up-parts';
import type { RecordTabProps } from './record-tab';
import { RecordFormModal } from './record-form';
import { ComplaintDrawer } from './complaint-drawer';
import { ComplaintDeadlines, complaintKey, ComplaintStatusTag, SeverityTag, type ComplaintItem } from './complaint-parts';
import { COMPLAINT_CATEGORIES, COMPLAINT_CHANNELS, COMPLAINT_SEVERITIES } from '../../../../../../libs/ledger-domain/src/complaints/complaint.events';

/**
 * The customer's complaints (投诉, category service_interactions; a recorded read), newest first,
 * with both deadlines counting down and overdue ones flagged; one opened in a drawer to take it
 * through assign, start, notes, reply, close (with the customer's satisfaction) or reopen.
 */
export function ComplaintsTab({ subjectId, mayWrite, breakGlass, itemId, openItem }: RecordTabProps) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const { user } = useSession();
  const [recording, setRecording] = useState(false);
  const load = useCallback(() => api.get<{ items: ComplaintItem[] }>(`/v1/subjects/${subjectId}/complaints`, { personalData: true, breakGlass }), [subjectId, breakGlass]);
  const { data, error, reload } = useLoad(load);
  return (
    <>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
      {mayWrite && purpose && (
        <Button type="primary" onClick={() => setRecording(true)} style={{ marginBottom: 12 }}>
          {t('complaints.new')}
        </Button>
      )}
      <Table<ComplaintItem>
        data-testid="complaints"
        rowKey="complaintId"
        size="small"
        loading={!data && !error}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        dataSource={data?.items ?? []}
        locale={{ emptyText: <Typography.Text type="secondary">{t('complaints.none')}</Typography.Text> }}
        rowClassName={(row) => (row.overdue ? 'overdue' : '')}
        onRow={(row) => ({ onClick: () => openItem(row.complaintId), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('complaints.receivedAt'), dataIndex: 'receivedAt', render: (at: string) => when(at, lang) },
          { title: t('complaints.category'), dataIndex: 'category', render: (value: string) => t(complaintKey('category', value)) },
          { title: t('complaints.severity'), dataIndex: 'severity', render: (value: string) => <SeverityTag severity={value} /> },
          {
            title: t('complaints.status'),
            key: 'status',
            render: (_, row) => (
              <Space size={4} wrap>
                <ComplaintStatusTag status={row.status} />
                {row.overdue && (
                  <Tag color="red" data-overdue="true">
                    {t('complaints.overdue')}
                  </Tag>
                )}
              </Space>
            ),
          },
          { title: t('complaints.resolutionDue'), key: 'deadlines', render: (_, row) => <ComplaintDeadlines complaint={row} /> },
          {
            title: t('complaints.description'),
            key: 'description',
            render: (_, row) =>
              row.textWithheld ? (
                <Typography.Text type="secondary">{t('complaints.withheld')}</Typography.Text>
              ) : (
                <Typography.Text ellipsis style={{ maxWidth: 260 }}>
                  {row.description ?? ''}
                </Typography.Text>
              ),
          },
          { title: t('complaints.handler'), dataIndex: 'handler', render: (id: string | null) => <StaffRef id={id} me={user?.id} /> },
          { title: t('complaints.satisfaction'), dataIndex: 'satisfaction', render: (value?: number | null) => (value ? '★'.repeat(value) : '') },
        ]}
      />
      {itemId && <ComplaintDrawer subjectId={subjectId} complaintId={itemId} mayWrite={mayWrite} breakGlass={breakGlass} onClose={() => openItem(undefined)} onChanged={reload} />}
      {recording && purpose && (
        <ComplaintForm
          subjectId={subjectId}
          purposeId={purpose.id}
          breakGlass={breakGlass}
          onClose={(saved) => {
            setRecording(false);
            if (!saved) return;
            void message.success(t('records.saved'));
            reload();
            openItem(saved.complaintId);
          }}
        />
      )}
    </>
  );
}

interface ComplaintValues {
  channel: string;
  category: string;
  severity: string;
  description: string;
  holdsHealthData?: boolean;
}

function ComplaintForm({
  subjectId,
  purposeId,
  breakGlass,
  onClose,
}: {
  subjectId: string;
  purposeId: string;
  breakGlass?: BreakGlass;
  onClose: (saved?: { complaintId: string }) => void;
}) {
  const { t } = useI18n();
  const send = (values: ComplaintValues) =>
    api
      .request<{ complaintId: string }>(`/v1/subjects/${subjectId}/complaints`, {
        method: 'POST',
        body: { ...values, description: values.description.trim(), holdsHealthData: values.holdsHealthData === true, purposeId },
        personalData: true,
        breakGlass,
      })
      .then((answer) => answer.data);
  const options = (group: 'channel' | 'category' | 'severity', values: readonly string[]) => values.map((value) => ({ value, label: t(complaintKey(group, value)) }));
  return (
    <RecordFormModal<ComplaintValues, { complaintId: string }>
      title={t('complaints.new')}
      width={600}
      initialValues={{ channel: 'phone', severity: 'medium' }}
      send={send}
      onClose={onClose}
    >
      <Space wrap align="start">
        <Form.Item name="channel" label={t('complaints.channel')} rules={[{ required: true, message: t('form.required') }]}>
          <Select style={{ width: 160 }} aria-label={t('complaints.channel')} options={options('channel', COMPLAINT_CHANNELS)} />
        </Form.Item>
        <Form.Item name="category" label={t('complaints.category')} rules={[{ required: true, message: t('form.required') }]}>
          <Select style={{ width: 160 }} aria-label={t('complaints.category')} options={options('category', COMPLAINT_CATEGORIES)} />
        </Form.Item>
        <Form.Item name="severity" label={t('complaints.severity')} rules={[{ required: true, message: t('form.required') }]}>
          <Select style={{ width: 120 }} aria-label={t('complaints.severity')} options={options('severity', COMPLAINT_SEVERITIES)} />
        </Form.Item>
      </Space>
      <Form.Item name="description" label={t('complaints.description')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
        <Input.TextArea rows={4} maxLength={4000} />
      </Form.Item>
      <Form.Item name="holdsHealthData" valuePropName="checked">
        <Checkbox>{t('complaints.holdsHealthData')}</Checkbox>
      </Form.Item>
    </RecordFormModal>
  );
}
