import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Alert, Button, Card, Segmented, Space, Switch, Table, Typography } from 'antd';
import { api } from '../../api/api-client';
import type { FollowUpTask, Page } from '../../api/types';
import { usePagedList } from '../../api/use-paged-list';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import { FILE_ROLES } from '../../layout/menus';
import { channelKey, DueDate, SourceText, StaffRef, StatusTag } from '../customers/records/follow-up-parts';

type View = 'mine' | 'department';
type Status = FollowUpTask['status'];

/**
 * A work queue of follow-up tasks (GET /v1/follow-ups), by due date: the person's own, or their
 * department's overdue ones. The queue carries ids and dates only, no customer's personal data, so
 * it needs no purpose and records no read; "work on it" opens the customer file, which asks for one.
 */
export default function FollowUpQueuePage({ view }: { view: View }) {
  const { t } = useI18n();
  const { user } = useSession();
  const [status, setStatus] = useState<Status>('open');
  const [overdueOnly, setOverdueOnly] = useState(true);
  const [department, setDepartment] = useState<string | undefined>();
  const opensFiles = hasAnyRole(user, FILE_ROLES);
  const departmentId = user?.departmentId;
  const noDepartment = view === 'department' && !departmentId;

  const fetchPage = useCallback(
    (cursor?: string) =>
      api.get<Page<FollowUpTask>>('/v1/follow-ups', {
        query: view === 'mine' ? { assignee: 'me', status, cursor, limit: 50 } : { department: 'mine', status: 'open', overdue: overdueOnly ? true : undefined, cursor, limit: 50 },
      }),
    [view, status, overdueOnly],
  );

  const { items: rows, next, error, more } = usePagedList(fetchPage, { enabled: !noDepartment });

  useEffect(() => {
    if (view !== 'department' || !departmentId) return;
    api
      .get<{ name: string }>(`/v1/departments/${departmentId}`)
      .then((found) => setDepartment(found.name))
      .catch(() => setDepartment(undefined));
  }, [view, departmentId]);

  const title = view === 'mine' ? t('queue.mineTitle') : t('queue.overdueTitle', { department: department ?? departmentId ?? '' });
  return (
    <>
      <Typography.Title level={2}>{title}</Typography.Title>
      <Typography.Paragraph type="secondary">{view === 'mine' ? t('queue.mineExplain') : t('queue.overdueExplain')}</Typography.Paragraph>
      {noDepartment ? (
        <Alert type="info" showIcon role="status" title={t('queue.noDepartment')} />
      ) : (
        <>
          <Card size="small">
            {view === 'mine' ? (
              <Segmented<Status>
                aria-label={t('followUps.status')}
                value={status}
                onChange={setStatus}
                options={(['open', 'done', 'cancelled'] as const).map((value) => ({ value, label: t(`followUps.status.${value}`) }))}
              />
            ) : (
              <Space>
                <Switch checked={overdueOnly} onChange={setOverdueOnly} aria-label={t('queue.onlyOverdue')} />
                {t('queue.onlyOverdue')}
              </Space>
            )}
          </Card>
          {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginTop: 16 }} />}
          <Card style={{ marginTop: 16 }}>
            <Table<FollowUpTask>
              data-testid="follow-up-queue"
              rowKey="taskId"
              size="small"
              loading={!rows && !error}
              pagination={false}
              scroll={{ x: 'max-content' }}
              dataSource={rows ?? []}
              locale={{ emptyText: <Typography.Text type="secondary">{t('followUps.none')}</Typography.Text> }}
              rowClassName={(task) => (task.overdue ? 'overdue' : '')}
              columns={[
                { title: t('followUps.due'), key: 'due', render: (_, task) => <DueDate task={task} /> },
                { title: t('followUps.status'), dataIndex: 'status', render: (value: Status) => <StatusTag status={value} /> },
                { title: t('followUps.channel'), dataIndex: 'channel', render: (channel: string) => t(channelKey(channel)) },
                { title: t('followUps.source'), key: 'source', render: (_, task) => <SourceText source={task.source} /> },
                ...(view === 'department'
                  ? [{ title: t('followUps.assignee'), key: 'assignee', render: (_: unknown, task: FollowUpTask) => <StaffRef id={task.assignee} me={user?.id} /> }]
                  : []),
                {
                  title: t('followUps.customer'),
                  key: 'customer',
                  // the customer by id only: no personal data in the queue or the address
                  render: (_, task) =>
                    opensFiles ? (
                      <Link to={`/customers/${task.subjectId}/follow-ups/${task.taskId}`}>
                        {t('followUps.openFile')} <Typography.Text code>{task.subjectId.slice(0, 8)}</Typography.Text>
                      </Link>
                    ) : (
                      <Typography.Text code title={t('queue.noFileAccess')}>
                        {task.subjectId.slice(0, 8)}
                      </Typography.Text>
                    ),
                },
              ]}
            />
            {next && (
              <Button onClick={more} style={{ marginTop: 12 }}>
                {t('followUps.more')}
              </Button>
            )}
          </Card>
        </>
      )}
    </>
  );
}
