import { useCallback, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert, App, Button, Card, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { describeError } from '../../api/problem-messages';
import { usePagedList } from '../../api/use-paged-list';
import { useI18n } from '../../i18n/i18n';
import type { MessageKey } from '../../i18n/messages';
import { statusLabel } from '../../i18n/labels';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import { FILE_ROLES } from '../../layout/menus';

/** The API's match reasons (libs/read-models/src/projections/duplicates/match-keys.ts, MATCH_REASONS), strongest first. */
const REASONS = ['id_number', 'name_birth_date', 'name_variant_birth_date', 'email', 'phone'] as const;

interface Candidate {
  subjectId: string;
  customerNumber: string | null;
  status: string;
  name: string | null;
  birthYear: number | null;
  phone: string | null;
  email: string | null;
  idNumber: string | null;
}

interface Pair {
  subjectIds: [string, string];
  reasons: string[];
  score: number;
  subjects: Candidate[];
}

interface PairPage {
  items: Pair[];
  nextCursor: string | null;
}

const reasonKey = (reason: string) => `duplicates.reason.${reason}` as MessageKey;

/**
 * Possible duplicates (GET /v1/duplicates): pairs of customers who may be one person, best score first, each
 * with its reasons and both customers masked as the API gives them (the API records each customer listed),
 * a link to each file, and "not the same person" (POST …/dismiss), after which the pair is not proposed again.
 */
export default function DuplicatesPage() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [reason, setReason] = useState<string | undefined>();
  const [reloads, setReloads] = useState(0);
  const navigate = useNavigate();
  // the roles POST /v1/subjects/{id}/merge admits (the matrix and the files' reach decide the rest, said in words if refused)
  const mayMerge = hasAnyRole(useSession().user, [...FILE_ROLES, 'compliance_officer']);

  const fetchPage = useCallback((cursor?: string) => api.get<PairPage>('/v1/duplicates', { personalData: true, query: { reason, cursor, limit: 20 } }), [reason]);

  const { items: pairs, next, error, setError, more } = usePagedList(fetchPage, { reload: reloads });

  const dismiss = async ([a, b]: [string, string]) => {
    try {
      await api.request(`/v1/duplicates/${a}/${b}/dismiss`, { method: 'POST', body: {} });
      void message.success(t('duplicates.dismissed'));
    } catch (caught) {
      setError(describeError(caught, lang));
    }
    // as the list is now (a colleague may have dismissed it first: 409, said above)
    setReloads((count) => count + 1);
  };

  const customer = (subject: Candidate) => (
    <Space orientation="vertical" size={0} data-subject={subject.subjectId}>
      <Space size={4} wrap>
        <Typography.Text strong>{subject.name ?? t('search.noName')}</Typography.Text>
        {subject.birthYear && <Typography.Text type="secondary">{subject.birthYear}</Typography.Text>}
        {subject.status !== 'active' && <Tag color="orange">{statusLabel(subject.status, lang)}</Tag>}
      </Space>
      <Typography.Text type="secondary">{[subject.customerNumber, subject.phone, subject.email, subject.idNumber].filter(Boolean).join(' · ')}</Typography.Text>
      <Link to={`/customers/${subject.subjectId}`}>{t('duplicates.open')}</Link>
    </Space>
  );

  return (
    <>
      <Typography.Title level={2}>{t('duplicates.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('duplicates.explain')}</Typography.Paragraph>
      <Card size="small">
        <Select
          allowClear
          aria-label={t('duplicates.reason')}
          placeholder={t('duplicates.reason')}
          style={{ minWidth: 220 }}
          value={reason}
          onChange={setReason}
          options={REASONS.map((value) => ({ value, label: t(reasonKey(value)) }))}
        />
      </Card>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginTop: 16 }} closable onClose={() => setError(undefined)} />}
      <Card style={{ marginTop: 16 }}>
        <Table<Pair>
          data-testid="duplicates"
          rowKey={(pair) => pair.subjectIds.join(':')}
          size="small"
          loading={!pairs && !error}
          pagination={false}
          scroll={{ x: 'max-content' }}
          dataSource={pairs ?? []}
          locale={{ emptyText: <Typography.Text type="secondary">{t('duplicates.none')}</Typography.Text> }}
          columns={[
            { title: t('duplicates.score'), dataIndex: 'score', render: (score: number) => <Typography.Text strong>{score}</Typography.Text> },
            {
              title: t('duplicates.reason'),
              dataIndex: 'reasons',
              render: (reasons: string[]) => (
                <Space size={4} wrap>
                  {reasons.map((value) => (
                    <Tag key={value} color={value === 'id_number' ? 'red' : 'blue'}>
                      {t(reasonKey(value))}
                    </Tag>
                  ))}
                </Space>
              ),
            },
            {
              title: t('duplicates.customers'),
              key: 'customers',
              // one above the other: the row stays narrow enough for its button on a desktop
              render: (_, pair) => (
                <Space orientation="vertical">
                  {pair.subjects.map((subject) => (
                    <div key={subject.subjectId}>{customer(subject)}</div>
                  ))}
                </Space>
              ),
            },
            {
              title: '',
              key: 'dismiss',
              render: (_, pair) => (
                <Space wrap>
                  {mayMerge && (
                    <Button type="primary" onClick={() => void navigate(`/duplicates/${pair.subjectIds[0]}/${pair.subjectIds[1]}/merge`)}>
                      {t('duplicates.merge')}
                    </Button>
                  )}
                  <Popconfirm title={t('duplicates.dismissConfirm')} onConfirm={() => void dismiss(pair.subjectIds)} okText={t('duplicates.dismiss')} cancelText={t('form.cancel')}>
                    <Button>{t('duplicates.dismiss')}</Button>
                  </Popconfirm>
                </Space>
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
    </>
  );
}
