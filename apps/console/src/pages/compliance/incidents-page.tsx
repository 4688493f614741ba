import { useCallback } from 'react';
import { Card, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import type { Incident } from '../admin/admin-types';
import { LoadError, useLoad, when, wordFor } from '../admin/page-kit';

/** Security incidents (PIPL Art. 57): what happened, the window, the accounts and systems, whom it was notified to. */
export default function IncidentsPage() {
  const { t, lang } = useI18n();
  const incidents = useLoad(useCallback(() => api.get<{ items: Incident[] }>('/v1/compliance/incidents').then((page) => page.items), []));
  return (
    <>
      <Typography.Title level={2}>{t('menu.incidents')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('incidents.explain')}</Typography.Paragraph>
      <LoadError error={incidents.error} />
      <Card>
        <Table<Incident>
          rowKey="incidentId"
          loading={!incidents.data && !incidents.error}
          dataSource={incidents.data ?? []}
          scroll={{ x: true }}
          locale={{ emptyText: <Typography.Text type="secondary">{t('incidents.none')}</Typography.Text> }}
          columns={[
            { title: t('incidents.kind'), dataIndex: 'kind', render: (kind: string) => wordFor(t, `incidents.kind.${kind}`, kind) },
            { title: t('incidents.detectedAt'), dataIndex: 'detectedAt', render: (at: string) => when(at, lang) },
            { title: t('incidents.window'), key: 'window', render: (_: unknown, i) => `${when(i.from, lang)} – ${when(i.to, lang)}` },
            { title: t('incidents.actors'), dataIndex: 'actors', render: (actors: string[]) => actors.map((a) => <Tag key={a}>{a}</Tag>) },
            { title: t('incidents.systems'), dataIndex: 'systems', render: (systems?: string[]) => (systems ?? []).map((s) => <Tag key={s}>{s}</Tag>) },
            {
              title: t('incidents.notified'),
              dataIndex: 'notifications',
              render: (list: Incident['notifications']) =>
                list.length === 0 ? (
                  <Tag color="gold">{t('incidents.notNotified')}</Tag>
                ) : (
                  list.map((n) => <Tag key={`${n.audience}${n.notifiedAt}`}>{`${wordFor(t, `incidents.audience.${n.audience}`, n.audience)} · ${when(n.notifiedAt, lang)}`}</Tag>)
                ),
            },
          ]}
        />
      </Card>
    </>
  );
}
