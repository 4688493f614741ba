import { useCallback } from 'react';
import { Card, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import type { Assessment } from '../admin/admin-types';
import { LoadError, useLoad, when, wordFor } from '../admin/page-kit';

const COLOURS: Record<string, string> = { approved: 'green', draft: 'gold', expired: 'red', 'not-acceptable': 'red' };

/** Impact assessments (PIPL Arts. 55–56): each purpose's, its status, the version approved and until when. */
export default function AssessmentsPage() {
  const { t, lang } = useI18n();
  const assessments = useLoad(useCallback(() => api.get<{ items: Assessment[] }>('/v1/compliance/assessments').then((page) => page.items), []));
  return (
    <>
      <Typography.Title level={2}>{t('menu.assessments')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('assessments.explain')}</Typography.Paragraph>
      <LoadError error={assessments.error} />
      <Card>
        <Table<Assessment>
          rowKey="assessmentId"
          loading={!assessments.data && !assessments.error}
          dataSource={assessments.data ?? []}
          scroll={{ x: true }}
          locale={{ emptyText: <Typography.Text type="secondary">{t('assessments.none')}</Typography.Text> }}
          columns={[
            { title: t('accessLog.purpose'), dataIndex: 'purposeId', render: (id: string) => <Typography.Text code>{id}</Typography.Text> },
            { title: t('assessments.activity'), dataIndex: 'activity' },
            { title: t('assessments.version'), dataIndex: 'version' },
            { title: t('field.status'), dataIndex: 'status', render: (status: string) => <Tag color={COLOURS[status]}>{wordFor(t, `assessments.status.${status}`, status)}</Tag> },
            { title: t('assessments.approvedVersion'), dataIndex: 'approvedVersion', render: (v: number | null) => v ?? '' },
            { title: t('assessments.expiresAt'), dataIndex: 'expiresAt', render: (at: string | null) => (at ? when(at, lang) : '') },
            { title: t('assessments.recordedAt'), dataIndex: 'recordedAt', render: (at: string) => when(at, lang) },
          ]}
        />
      </Card>
    </>
  );
}
