import { useCallback, useState } from 'react';
import { Button, Card, DatePicker, Form, Input, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { api } from '../../api/api-client';
import type { Page } from '../../api/types';
import { useI18n } from '../../i18n/i18n';
import { roleLabel } from '../../i18n/labels';
import type { BreakGlassEntry } from '../admin/admin-types';
import { Id, LoadError, useLoad, when, wordFor } from '../admin/page-kit';

interface Filter {
  actor?: string;
  period?: [Dayjs | null, Dayjs | null] | null;
}

/** Every break-glass access, newest first: who reached which customer outside their assignment, read or write, why; the note for compliance officers only (the API decides). */
export default function BreakGlassPage() {
  const { t, lang } = useI18n();
  const [query, setQuery] = useState<Record<string, string | undefined>>({});
  const [pages, setPages] = useState<string[]>([]);
  const report = useLoad(
    useCallback(async () => {
      let cursor: string | undefined;
      const items: BreakGlassEntry[] = [];
      let page: Page<BreakGlassEntry>;
      // the pages already shown, then the next: "more" keeps what is on the screen
      for (let index = 0; ; index++) {
        page = await api.get<Page<BreakGlassEntry>>('/v1/compliance/break-glass', { query: { ...query, cursor } });
        items.push(...page.items);
        if (index >= pages.length || !page.nextCursor) break;
        cursor = page.nextCursor;
      }
      return { items, nextCursor: page.nextCursor };
    }, [query, pages]),
  );
  const search = (filter: Filter) => {
    setPages([]);
    setQuery({ actor: filter.actor?.trim() || undefined, from: filter.period?.[0]?.startOf('day').toISOString(), to: filter.period?.[1]?.endOf('day').toISOString() });
  };

  return (
    <>
      <Typography.Title level={2}>{t('menu.breakGlass')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('breakGlassReport.explain')}</Typography.Paragraph>
      <Card>
        <Form<Filter> layout="inline" onFinish={search} style={{ rowGap: 12 }}>
          <Form.Item name="actor" label={t('accessLog.actor')}>
            <Input style={{ width: 320 }} autoComplete="off" />
          </Form.Item>
          <Form.Item name="period" label={t('accessLog.period')}>
            <DatePicker.RangePicker aria-label={t('accessLog.period')} />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit">
              {t('accessLog.search')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      <div style={{ marginTop: 16 }}>
        <LoadError error={report.error} />
      </div>
      <Card>
        <Table<BreakGlassEntry>
          rowKey="breakGlassId"
          data-testid="break-glass-report"
          loading={!report.data && !report.error}
          dataSource={report.data?.items ?? []}
          pagination={false}
          scroll={{ x: true }}
          columns={[
            { title: t('access.at'), dataIndex: 'usedAt', render: (at: string) => when(at, lang) },
            { title: t('accessLog.actor'), dataIndex: 'actor', render: (actor: string) => <Id value={actor} /> },
            { title: t('staff.roles'), dataIndex: 'roles', render: (roles: string[]) => roles.map((role) => <Tag key={role}>{roleLabel(role, lang)}</Tag>) },
            { title: t('accessLog.subject'), dataIndex: 'subjectId', render: (id: string) => <Id value={id} /> },
            { title: t('breakGlass.reason'), dataIndex: 'reason', render: (reason: string) => <Tag color="red">{wordFor(t, `breakGlass.reason.${reason}`, reason)}</Tag> },
            { title: t('breakGlassReport.access'), dataIndex: 'access', render: (access: string) => t(access === 'write' ? 'breakGlassReport.write' : 'breakGlassReport.read') },
            { title: t('breakGlassReport.note'), dataIndex: 'note', render: (note: string | undefined, row) => note ?? (row.hasNote ? t('breakGlassReport.noteHidden') : '') },
          ]}
        />
        {report.data?.nextCursor && (
          <Button style={{ marginTop: 12 }} onClick={() => setPages((current) => [...current, report.data!.nextCursor!])}>
            {t('accessLog.more')}
          </Button>
        )}
      </Card>
    </>
  );
}
