import { useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, Button, Card, Col, Form, Input, Row, Select, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import type { Page, SubjectSummary } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { statusLabel } from '../../i18n/labels';
import type { MessageKey } from '../../i18n/messages';
import { handToExport } from '../exports/export-handoff';
import { searchConditions } from './search-conditions';

interface Criteria {
  name?: string;
  phone?: string;
  idNumber?: string;
  email?: string;
  status?: string;
}

const TERMS: { name: keyof Criteria; label: MessageKey; inputMode?: 'tel' | 'email' }[] = [
  { name: 'name', label: 'field.name' },
  { name: 'phone', label: 'field.phone', inputMode: 'tel' },
  { name: 'idNumber', label: 'field.idNumber' },
  { name: 'email', label: 'field.email', inputMode: 'email' },
];

// the last results, in memory only, so going back from a file does not search again
let remembered: { criteria: Criteria; page: Page<SubjectSummary> } | undefined;

/**
 * Find a customer by any combination of name (prefix), phone, ID number, email and status. The
 * terms stay in this page's memory: never in the console's address, history or storage.
 */
export default function SearchPage() {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const [form] = Form.useForm<Criteria>();
  const [result, setResult] = useState(remembered);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const search = async (criteria: Criteria, cursor?: string) => {
    const terms = searchConditions(criteria);
    if (Object.keys(terms).length === 0) {
      setError(t('search.needTerm'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      // the terms (phones, ID numbers, names) go in the body, never in a URL
      const body = cursor ? { ...terms, cursor } : terms;
      const { data: page } = await api.request<Page<SubjectSummary>>('/v1/subjects/search', { method: 'POST', read: true, body, personalData: true });
      const merged = cursor && result ? { ...page, items: [...result.page.items, ...page.items] } : page;
      remembered = { criteria, page: merged };
      setResult(remembered);
    } catch (caught) {
      setError(describeError(caught, lang));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Typography.Title level={2}>{t('search.title')}</Typography.Title>
      <Card>
        <Form form={form} layout="vertical" initialValues={remembered?.criteria} onFinish={(criteria) => void search(criteria)}>
          <Row gutter={16}>
            {TERMS.map(({ name, label, inputMode }) => (
              <Col key={name} xs={24} md={12} lg={8}>
                <Form.Item name={name} label={t(label)} extra={name === 'name' ? t('search.nameHint') : undefined}>
                  <Input autoComplete="off" inputMode={inputMode} />
                </Form.Item>
              </Col>
            ))}
            <Col xs={24} md={12} lg={8}>
              <Form.Item name="status" label={t('field.status')}>
                <Select allowClear options={['active', 'restricted'].map((value) => ({ value, label: statusLabel(value, lang) }))} aria-label={t('field.status')} />
              </Form.Item>
            </Col>
          </Row>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('search.submit')}
          </Button>
          <Button style={{ marginLeft: 8 }} onClick={() => void navigate('/customers/new')}>
            {t('menu.register')}
          </Button>
        </Form>
      </Card>
      {error && <Alert type="error" showIcon title={error} style={{ marginTop: 16 }} role="alert" />}
      {result && (
        <Card
          style={{ marginTop: 16 }}
          title={t('search.results', { count: result.page.items.length })}
          extra={
            result.page.items.length > 0 && (
              <Button
                onClick={() => {
                  // the conditions that found these customers, in memory: the export page finds them all again, not only this page's
                  handToExport(searchConditions(result.criteria));
                  void navigate('/exports');
                }}
              >
                {t('search.export')}
              </Button>
            )
          }
        >
          <Table<SubjectSummary>
            rowKey="subjectId"
            dataSource={result.page.items}
            pagination={false}
            scroll={{ x: true }}
            onRow={(row) => ({ onClick: () => void navigate(`/customers/${row.subjectId}`), style: { cursor: 'pointer' } })}
            columns={[
              {
                title: t('field.name'),
                dataIndex: 'name',
                render: (name: string | undefined, row) => (
                  <a href={`/console/customers/${row.subjectId}`} onClick={(event) => event.preventDefault()}>
                    {name ?? t('search.noName')}
                  </a>
                ),
              },
              { title: t('field.phone'), dataIndex: 'phone' },
              {
                title: t('field.status'),
                dataIndex: 'status',
                render: (status: string) => <Tag color={status === 'active' ? 'green' : 'orange'}>{statusLabel(status, lang)}</Tag>,
              },
              { title: t('field.updatedAt'), dataIndex: 'updatedAt', render: (at: string) => new Date(at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') },
            ]}
            locale={{ emptyText: t('search.none') }}
          />
          {result.page.nextCursor && (
            <Button style={{ marginTop: 8 }} onClick={() => void search(result.criteria, result.page.nextCursor ?? undefined)} loading={busy}>
              {t('search.more')}
            </Button>
          )}
        </Card>
      )}
    </>
  );
}
