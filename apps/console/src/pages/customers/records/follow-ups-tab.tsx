import { useCallback, useState } from 'react';
import { Alert, App, Button, Form, Input, Select, Space, Table, Typography } from 'antd';
import { api, type BreakGlass } from '../../../api/api-client';
import type { FollowUpTask } from '../../../api/types';
import { useI18n } from '../../../i18n/i18n';
import { usePurpose } from '../../../session/purpose';
import { useSession } from '../../../session/session';
import { useLoad } from '../customer-file-tabs';
import { FollowUpDrawer } from './follow-up-drawer';
import { channelKey, DueDate, FOLLOW_UP_CHANNELS, SourceText, StaffRef, StatusTag } from './follow-up-parts';
import { today, type RecordTabProps } from './record-tab';
import { DateField, RecordFormModal } from './record-form';

/**
 * The customer's follow-up tasks (回访, category service_interactions) with their notes and outcomes
 * (a recorded read): open ones first by due date, overdue ones flagged; one opened in a drawer to
 * complete or cancel; a form to open a new one.
 */
export function FollowUpsTab({ subjectId, mayWrite, breakGlass, itemId, openItem, onShowVisit }: RecordTabProps & { onShowVisit?: (visitId: string) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const { user } = useSession();
  const [opening, setOpening] = useState(false);
  const load = useCallback(() => api.get<{ items: FollowUpTask[] }>(`/v1/subjects/${subjectId}/follow-ups`, { personalData: true, breakGlass }), [subjectId, breakGlass]);
  const { data, error, reload } = useLoad(load);
  const order = { open: 0, done: 1, cancelled: 2 };
  const tasks = [...(data?.items ?? [])].sort((a, b) => order[a.status] - order[b.status] || a.dueDate.localeCompare(b.dueDate));
  const shown = tasks.find((task) => task.taskId === itemId);

  return (
    <>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
      {mayWrite && purpose && (
        <Button type="primary" onClick={() => setOpening(true)} style={{ marginBottom: 12 }}>
          {t('followUps.open')}
        </Button>
      )}
      <Table<FollowUpTask>
        data-testid="follow-ups"
        rowKey="taskId"
        size="small"
        loading={!data && !error}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        dataSource={tasks}
        locale={{ emptyText: <Typography.Text type="secondary">{t('followUps.none')}</Typography.Text> }}
        rowClassName={(task) => (task.overdue ? 'overdue' : '')}
        onRow={(task) => ({ onClick: () => openItem(task.taskId), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('followUps.due'), key: 'due', render: (_, task) => <DueDate task={task} /> },
          { title: t('followUps.status'), dataIndex: 'status', render: (status: FollowUpTask['status']) => <StatusTag status={status} /> },
          { title: t('followUps.channel'), dataIndex: 'channel', render: (channel: string) => t(channelKey(channel)) },
          { title: t('followUps.source'), key: 'source', render: (_, task) => <SourceText source={task.source} /> },
          {
            title: t('followUps.note'),
            dataIndex: 'note',
            render: (note?: string) => (
              <Typography.Text ellipsis style={{ maxWidth: 280 }}>
                {note ?? ''}
              </Typography.Text>
            ),
          },
          { title: t('followUps.assignee'), dataIndex: 'assignee', render: (id: string) => <StaffRef id={id} me={user?.id} /> },
        ]}
      />
      {shown && (
        <FollowUpDrawer
          key={`${shown.taskId}:${shown.status}`}
          task={shown}
          mayWrite={mayWrite}
          purposeId={purpose?.id}
          breakGlass={breakGlass}
          onShowVisit={onShowVisit}
          onClose={(changed) => {
            openItem(undefined);
            if (!changed) return;
            reload();
          }}
        />
      )}
      {opening && purpose && (
        <OpenFollowUpForm
          subjectId={subjectId}
          purposeId={purpose.id}
          breakGlass={breakGlass}
          onClose={(saved) => {
            setOpening(false);
            if (!saved) return;
            void message.success(t('records.saved'));
            reload();
          }}
        />
      )}
    </>
  );
}

interface OpenValues {
  dueDate: string;
  channel: string;
  note?: string;
}

function OpenFollowUpForm({ subjectId, purposeId, breakGlass, onClose }: { subjectId: string; purposeId: string; breakGlass?: BreakGlass; onClose: (saved?: unknown) => void }) {
  const { t } = useI18n();
  // assignee and department: the API's defaults, the person opening it and their department
  const send = (values: OpenValues) =>
    api.request(`/v1/subjects/${subjectId}/follow-ups`, {
      method: 'POST',
      body: { dueDate: values.dueDate, channel: values.channel, note: values.note?.trim() || undefined, purposeId },
      personalData: true,
      breakGlass,
    });
  return (
    <RecordFormModal<OpenValues, unknown> title={t('followUps.open')} width={560} initialValues={{ dueDate: today(), channel: 'phone' }} send={send} onClose={onClose}>
      <Space wrap align="start">
        <DateField name="dueDate" label={t('followUps.due')} />
        <Form.Item name="channel" label={t('followUps.channel')}>
          <Select style={{ width: 160 }} aria-label={t('followUps.channel')} options={FOLLOW_UP_CHANNELS.map((value) => ({ value, label: t(channelKey(value)) }))} />
        </Form.Item>
      </Space>
      <Form.Item name="note" label={t('followUps.note')}>
        <Input.TextArea rows={3} maxLength={2000} />
      </Form.Item>
    </RecordFormModal>
  );
}
