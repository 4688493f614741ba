import { useState } from 'react';
import { Button, Card, DatePicker, Form, Input, Space, Switch, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { api } from '../../api/api-client';
import type { Page } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel, fieldLabel } from '../../i18n/labels';
import type { AccessLogEntry } from '../admin/admin-types';
import { Id, LoadError, when, wordFor } from '../admin/page-kit';

interface Filter {
  subjectId?: string;
  actor?: string;
  period?: [Dayjs | null, Dayjs | null] | null;
  breakGlass?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Who read whose data: by customer (its id), by staff member (account id), over a period, or only the
 * break-glass reads; newest first, a page at a time. Ids only in the query: no personal data in an address.
 */
export default function AccessLogPage() {
  const { t, lang } = useI18n();
  const [rows, setRows] = useState<AccessLogEntry[] | undefined>();
  const [next, setNext] = useState<string | null>(null);
  const [query, setQuery] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);

  const load = async (params: Record<string, string | undefined>, cursor?: string) => {
    setLoading(true);
    try {
      const page = await api.get<Page<AccessLogEntry>>('/v1/audit/access', { query: { ...params, cursor } });
      setRows((current) => (cursor ? [...(current ?? []), ...page.items] : page.items));
      setNext(page.nextCursor);
      setError(undefined);
    } catch (caught) {
      setError(describeError(caught, lang));
    } finally {
      setLoading(false);
    }
  };
  const search = (filter: Filter) => {
    const params = {
      subjectId: filter.subjectId?.trim() || undefined,
      actor: filter.actor?.trim() || undefined,
      from: filter.period?.[0]?.startOf('day').toISOString(),
      to: filter.period?.[1]?.endOf('day').toISOString(),
      breakGlass: filter.breakGlass ? 'true' : undefined,
    };
    setQuery(params);
    void load(params);
  };

  return (
    <>
      <Typography.Title level={2}>{t('menu.accessLog')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('accessLog.explain')}</Typography.Paragraph>
      <Card>
        <Form<Filter> layout="inline" onFinish={search} style={{ rowGap: 12 }}>
          <Form.Item name="subjectId" label={t('accessLog.subject')} rules={[{ pattern: UUID, message: t('holds.subjectHint') }]}>
            <Input style={{ width: 320 }} autoComplete="off" />
          </Form.Item>
          <Form.Item name="actor" label={t('accessLog.actor')}>
            <Input style={{ width: 320 }} autoComplete="off" />
          </Form.Item>
          <Form.Item name="period" label={t('accessLog.period')}>
            <DatePicker.RangePicker aria-label={t('accessLog.period')} />
          </Form.Item>
          <Form.Item name="breakGlass" label={t('accessLog.breakGlassOnly')} valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={loading}>
              {t('accessLog.search')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      <div style={{ marginTop: 16 }}>
        <LoadError error={error} />
      </div>
      {rows && (
        <Card>
          <Table<AccessLogEntry>
            rowKey="accessId"
            data-testid="access-log"
            dataSource={rows}
            pagination={false}
            scroll={{ x: true }}
            columns={[
              { title: t('access.at'), dataIndex: 'accessedAt', render: (at: string) => when(at, lang) },
              { title: t('accessLog.actor'), dataIndex: 'actor', render: (actor: string) => <Id value={actor} /> },
              { title: t('accessLog.subject'), dataIndex: 'subjectId', render: (id: string) => <Id value={id} /> },
              { title: t('accessLog.purpose'), dataIndex: 'purposeId', render: (id: string | null) => id ?? '' },
              { title: t('accessLog.categories'), dataIndex: 'categories', render: (list: string[]) => list.map((c) => <Tag key={c}>{categoryLabel(c, lang)}</Tag>) },
              { title: t('accessLog.revealed'), dataIndex: 'revealed', render: (list: string[]) => list.map((f) => fieldLabel(f, lang)).join(', ') },
              { title: t('accessLog.via'), dataIndex: 'via', render: (via: string) => wordFor(t, `access.via.${via}`, via) },
              {
                title: t('accessLog.breakGlass'),
                dataIndex: 'breakGlass',
                render: (reason: string | null) => (reason ? <Tag color="red">{wordFor(t, `breakGlass.reason.${reason}`, reason)}</Tag> : ''),
              },
            ]}
          />
          <Space style={{ marginTop: 12 }}>
            {next && (
              <Button onClick={() => void load(query, next)} loading={loading}>
                {t('accessLog.more')}
              </Button>
            )}
            <Typography.Text type="secondary">{t('accessLog.count', { count: rows.length })}</Typography.Text>
          </Space>
        </Card>
      )}
    </>
  );
}
