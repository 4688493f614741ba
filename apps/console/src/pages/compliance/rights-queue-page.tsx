import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Card, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import type { RightsRequestRow } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { REQUEST_STATUS_NAMES, REQUEST_TYPE_NAMES, requestTypeLabel, statusLabel } from '../../i18n/labels';

const DAY = 86_400_000;

export function dueTag(row: Pick<RightsRequestRow, 'dueAt' | 'overdue' | 'status'>, t: (key: 'rights.overdue' | 'rights.dueIn', vars?: Record<string, number>) => string) {
  if (row.overdue) return <Tag color="red">{t('rights.overdue')}</Tag>;
  if (['fulfilled', 'rejected', 'failed_verification', 'canceled'].includes(row.status)) return null;
  const days = Math.ceil((Date.parse(row.dueAt) - Date.now()) / DAY);
  return <Tag color={days <= 3 ? 'orange' : 'blue'}>{t('rights.dueIn', { days: Math.max(days, 0) })}</Tag>;
}

/** The rights-request queue, soonest due first, overdue ones flagged. */
export default function RightsQueuePage() {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const [filter, setFilter] = useState<{ status?: string; type?: string; overdue?: boolean }>({});
  const [rows, setRows] = useState<RightsRequestRow[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api
      .get<RightsRequestRow[]>('/v1/rights-requests', { query: { status: filter.status, type: filter.type, overdue: filter.overdue ? true : undefined } })
      .then((loaded) => {
        setRows(loaded);
        setError(undefined);
      })
      .catch((caught: unknown) => setError(describeError(caught, lang)));
  }, [filter, lang]);
  const date = (at: string) => new Date(at).toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en-GB');
  return (
    <>
      <Typography.Title level={2}>{t('rights.title')}</Typography.Title>
      <Card>
        <Space wrap>
          <Select
            allowClear
            placeholder={t('field.status')}
            aria-label={t('field.status')}
            style={{ width: 180 }}
            options={REQUEST_STATUS_NAMES.map((value) => ({ value, label: statusLabel(value, lang) }))}
            onChange={(status?: string) => setFilter((current) => ({ ...current, status }))}
          />
          <Select
            allowClear
            placeholder={t('rights.type')}
            aria-label={t('rights.type')}
            style={{ width: 180 }}
            options={REQUEST_TYPE_NAMES.map((value) => ({ value, label: requestTypeLabel(value, lang) }))}
            onChange={(type?: string) => setFilter((current) => ({ ...current, type }))}
          />
          <Space>
            <Switch aria-label={t('rights.overdueOnly')} onChange={(overdue) => setFilter((current) => ({ ...current, overdue }))} />
            {t('rights.overdueOnly')}
          </Space>
        </Space>
      </Card>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginTop: 16 }} />}
      <Card style={{ marginTop: 16 }}>
        <Table<RightsRequestRow>
          rowKey="requestId"
          loading={!rows && !error}
          dataSource={rows ?? []}
          scroll={{ x: true }}
          onRow={(row) => ({ onClick: () => void navigate(`/rights/${row.requestId}`), style: { cursor: 'pointer' } })}
          rowClassName={(row) => (row.overdue ? 'overdue' : '')}
          columns={[
            { title: t('rights.type'), dataIndex: 'type', render: (type: string) => requestTypeLabel(type, lang) },
            { title: t('field.status'), dataIndex: 'status', render: (status: string) => statusLabel(status, lang) },
            { title: t('rights.received'), dataIndex: 'receivedAt', render: date },
            {
              title: t('rights.due'),
              dataIndex: 'dueAt',
              render: (at: string, row) => (
                <Space>
                  {date(at)}
                  {dueTag(row, t)}
                  {row.extended && <Tag>{t('rights.extended')}</Tag>}
                </Space>
              ),
            },
            { title: t('rights.subject'), dataIndex: 'subjectId', render: (id: string) => <Typography.Text code>{id.slice(0, 8)}</Typography.Text> },
          ]}
        />
      </Card>
    </>
  );
}
