import { useCallback, useState } from 'react';
import { App, Button, Card, Space, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel } from '../../i18n/labels';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import type { Assessment, RegistryCategory, RegistryPurpose } from '../admin/admin-types';
import { Id, LoadError, useLoad, when, wordFor } from '../admin/page-kit';
import { ApprovalForm, AssessmentForm } from './assessment-form';

const COLOURS: Record<string, string> = { approved: 'green', draft: 'gold', expired: 'red', 'not-acceptable': 'red' };

/**
 * Impact assessments (PIPL Arts. 55–56): each purpose's, its status, the version approved and until when. The
 * compliance officer records one, revises it (a new version) and approves the latest version until a date.
 */
export default function AssessmentsPage() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { user } = useSession();
  const officer = hasAnyRole(user, ['compliance_officer']);
  const assessments = useLoad(useCallback(() => api.get<{ items: Assessment[] }>('/v1/compliance/assessments').then((page) => page.items), []));
  const registry = useLoad(
    useCallback(
      () =>
        officer
          ? Promise.all([api.get<RegistryPurpose[]>('/v1/purposes'), api.get<RegistryCategory[]>('/v1/categories')])
          : Promise.resolve([[], []] as [RegistryPurpose[], RegistryCategory[]]),
      [officer],
    ),
  );
  const [editing, setEditing] = useState<{ assessment?: Assessment } | undefined>();
  const [approving, setApproving] = useState<Assessment | undefined>();
  const saved = (done: string) => (assessment?: Assessment) => {
    setEditing(undefined);
    setApproving(undefined);
    if (!assessment) return;
    void message.success(done);
    assessments.reload();
  };
  return (
    <>
      <Typography.Title level={2}>{t('menu.assessments')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('assessments.explain')}</Typography.Paragraph>
      <LoadError error={assessments.error ?? registry.error} />
      <Card
        extra={
          officer && (
            <Button type="primary" disabled={!registry.data} onClick={() => setEditing({})}>
              {t('assessments.record')}
            </Button>
          )
        }
      >
        <Table<Assessment>
          rowKey="assessmentId"
          data-testid="assessments"
          loading={!assessments.data && !assessments.error}
          dataSource={assessments.data ?? []}
          scroll={{ x: true }}
          locale={{ emptyText: <Typography.Text type="secondary">{t('assessments.none')}</Typography.Text> }}
          expandable={{
            expandedRowRender: (a) => (
              <Space orientation="vertical" size={4}>
                <span>
                  <Typography.Text type="secondary">{t('assessments.categories')}: </Typography.Text>
                  {(a.categories ?? []).map((c) => (
                    <Tag key={c}>{categoryLabel(c, lang)}</Tag>
                  ))}
                </span>
                {(a.recipients ?? []).length > 0 && (
                  <span>
                    <Typography.Text type="secondary">{t('assessments.recipients')}: </Typography.Text>
                    {(a.recipients ?? []).map((r) => `${r.name} (${r.country}, ${wordFor(t, `assessments.role.${r.role}`, r.role)})`).join('; ')}
                  </span>
                )}
                <span>
                  <Typography.Text type="secondary">{t('assessments.risks')}: </Typography.Text>
                  {(a.risks ?? []).join('; ')}
                </span>
                <span>
                  <Typography.Text type="secondary">{t('assessments.measures')}: </Typography.Text>
                  {(a.measures ?? []).join('; ')}
                </span>
                {a.conclusion && (
                  <span>
                    <Typography.Text type="secondary">{t('assessments.conclusion')}: </Typography.Text>
                    {wordFor(t, `assessments.conclusion.${a.conclusion}`, a.conclusion)}
                  </span>
                )}
              </Space>
            ),
          }}
          columns={[
            { title: t('accessLog.purpose'), dataIndex: 'purposeId', render: (id: string) => <Id value={id} /> },
            { title: t('assessments.activity'), dataIndex: 'activity' },
            { title: t('assessments.version'), dataIndex: 'version' },
            { title: t('field.status'), dataIndex: 'status', render: (status: string) => <Tag color={COLOURS[status]}>{wordFor(t, `assessments.status.${status}`, status)}</Tag> },
            { title: t('assessments.approvedVersion'), dataIndex: 'approvedVersion', render: (v: number | null) => v ?? '' },
            { title: t('assessments.expiresAt'), dataIndex: 'expiresAt', render: (at: string | null) => (at ? when(at, lang) : '') },
            { title: t('assessments.recordedAt'), dataIndex: 'recordedAt', render: (at: string) => when(at, lang) },
            ...(officer
              ? [
                  {
                    title: '',
                    key: 'actions',
                    render: (_: unknown, a: Assessment) => (
                      <Space size={4}>
                        <Button size="small" disabled={!registry.data} onClick={() => setEditing({ assessment: a })}>
                          {t('assessments.reviseAction')}
                        </Button>
                        {(a.approvedVersion !== a.version || a.status === 'expired') && a.conclusion !== 'not-acceptable' && (
                          <Button size="small" type="primary" onClick={() => setApproving(a)}>
                            {t('assessments.approve')}
                          </Button>
                        )}
                      </Space>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Card>
      {editing && registry.data && (
        <AssessmentForm
          assessment={editing.assessment}
          purposes={registry.data[0]}
          categories={registry.data[1]}
          onClose={saved(t(editing.assessment ? 'assessments.revised' : 'assessments.recorded'))}
        />
      )}
      {approving && <ApprovalForm assessment={approving} onClose={saved(t('assessments.approved'))} />}
    </>
  );
}
