import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { Alert, Button, Card, Segmented, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import type { Page } from '../../api/types';
import { usePagedList } from '../../api/use-paged-list';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import { FILE_ROLES } from '../../layout/menus';
import { StaffRef } from '../customers/records/follow-up-parts';
import { ComplaintDeadlines, complaintKey, ComplaintStatusTag, SeverityTag, type ComplaintRow } from '../customers/records/complaint-parts';
import { COMPLAINT_SEVERITIES, COMPLAINT_STATUSES } from '../../../../../libs/ledger-domain/src/complaints/complaint.events';

type View = 'mine' | 'department';

/**
 * The complaint queue (GET /v1/complaints): those the person handles, or their department's, by
 * resolution deadline, each deadline counting down from the ledger's time and overdue ones in red.
 * The queue carries ids, codes and deadlines only, no customer's personal data, so it needs no
 * purpose and records no read; "work on it" opens the complaint in the customer file, which asks for one.
 */
export default function ComplaintQueuePage() {
  const { t } = useI18n();
  const { user } = useSession();
  const manager = hasAnyRole(user, ['manager']) && !hasAnyRole(user, FILE_ROLES);
  const [view, setView] = useState<View>(manager ? 'department' : 'mine');
  const [status, setStatus] = useState<string | undefined>();
  const [severity, setSeverity] = useState<string | undefined>();
  const [overdueOnly, setOverdueOnly] = useState(false);
  const opensFiles = hasAnyRole(user, FILE_ROLES);
  const noDepartment = view === 'department' && !user?.departmentId;

  const fetchPage = useCallback(
    (cursor?: string) =>
      api.get<Page<ComplaintRow>>('/v1/complaints', {
        query: { ...(view === 'mine' ? { assignee: 'me' } : { department: 'mine' }), status, severity, overdue: overdueOnly ? true : undefined, cursor, limit: 50 },
      }),
    [view, status, severity, overdueOnly],
  );

  const { items: rows, next, error, more } = usePagedList(fetchPage, { enabled: !noDepartment });

  return (
    <>
      <Typography.Title level={2}>{t('complaintQueue.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('complaintQueue.explain')}</Typography.Paragraph>
      <Card size="small">
        <Space wrap>
          <Segmented<View>
            aria-label={t('complaintQueue.title')}
            value={view}
            onChange={setView}
            options={[...(manager ? [] : [{ value: 'mine' as const, label: t('complaintQueue.mine') }]), { value: 'department' as const, label: t('complaintQueue.department') }]}
          />
          <Select
            allowClear
            aria-label={t('complaints.status')}
            placeholder={t('complaints.status')}
            style={{ width: 140 }}
            value={status}
            onChange={setStatus}
            options={COMPLAINT_STATUSES.map((value) => ({ value, label: t(complaintKey('status', value)) }))}
          />
          <Select
            allowClear
            aria-label={t('complaints.severity')}
            placeholder={t('complaints.severity')}
            style={{ width: 120 }}
            value={severity}
            onChange={setSeverity}
            options={COMPLAINT_SEVERITIES.map((value) => ({ value, label: t(complaintKey('severity', value)) }))}
          />
          <Space>
            <Switch checked={overdueOnly} onChange={setOverdueOnly} aria-label={t('complaintQueue.onlyOverdue')} />
            {t('complaintQueue.onlyOverdue')}
          </Space>
        </Space>
      </Card>
      {noDepartment && <Alert type="info" showIcon role="status" title={t('queue.noDepartment')} style={{ marginTop: 16 }} />}
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginTop: 16 }} />}
      {!noDepartment && (
        <Card style={{ marginTop: 16 }}>
          <Table<ComplaintRow>
            data-testid="complaint-queue"
            rowKey="complaintId"
            size="small"
            loading={!rows && !error}
            pagination={false}
            scroll={{ x: 'max-content' }}
            dataSource={rows ?? []}
            locale={{ emptyText: <Typography.Text type="secondary">{t('complaints.none')}</Typography.Text> }}
            rowClassName={(row) => (row.overdue ? 'overdue' : '')}
            columns={[
              { title: t('complaints.resolutionDue'), key: 'deadlines', render: (_, row) => <ComplaintDeadlines complaint={row} /> },
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
                    {row.escalations > 0 && <Tag color="volcano">{t('complaints.escalations', { count: row.escalations })}</Tag>}
                    {row.reopened > 0 && <Tag>{t('complaints.reopened', { count: row.reopened })}</Tag>}
                  </Space>
                ),
              },
              { title: t('complaints.severity'), dataIndex: 'severity', render: (value: string) => <SeverityTag severity={value} /> },
              { title: t('complaints.category'), dataIndex: 'category', render: (value: string) => t(complaintKey('category', value)) },
              { title: t('complaints.channel'), dataIndex: 'channel', render: (value: string) => t(complaintKey('channel', value)) },
              { title: t('complaints.handler'), dataIndex: 'handler', render: (id: string | null) => <StaffRef id={id} me={user?.id} /> },
              {
                title: t('followUps.customer'),
                key: 'customer',
                // the customer by id only: no personal data in the queue or the address
                render: (_, row) =>
                  opensFiles ? (
                    <Link to={`/customers/${row.subjectId}/complaints/${row.complaintId}`}>
                      {t('complaintQueue.work')} <Typography.Text code>{row.subjectId.slice(0, 8)}</Typography.Text>
                    </Link>
                  ) : (
                    <Typography.Text code title={t('queue.noFileAccess')}>
                      {row.subjectId.slice(0, 8)}
                    </Typography.Text>
                  ),
              },
            ]}
          />
          {next && (
            <Button onClick={more} style={{ marginTop: 12 }}>
              {t('common.more')}
            </Button>
          )}
        </Card>
      )}
    </>
  );
}
