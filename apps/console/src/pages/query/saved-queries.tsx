import { Button, Card, Popconfirm, Space, Table, Typography } from 'antd';
import { useI18n } from '../../i18n/i18n';
import type { SavedQuery } from './query-model';

interface Props {
  items: SavedQuery[] | undefined;
  me: string | undefined;
  busy: boolean;
  onRun: (query: SavedQuery) => void;
  onDelete: (query: SavedQuery) => void;
}

/** The department's saved queries, newest first: run one (into the builder) or delete it (its author or a manager; the API decides). */
export function SavedQueries({ items, me, busy, onRun, onDelete }: Props) {
  const { t, lang } = useI18n();
  return (
    <Card title={t('query.savedList')} style={{ marginTop: 16 }}>
      <Table<SavedQuery>
        rowKey="queryId"
        size="small"
        loading={items === undefined}
        dataSource={items ?? []}
        pagination={false}
        scroll={{ x: true }}
        // the table's own placeholder grey is too faint for WCAG AA: the theme's darkened secondary text
        locale={{ emptyText: <Typography.Text type="secondary">{t('query.savedNone')}</Typography.Text> }}
        columns={[
          { title: t('query.saveName'), dataIndex: 'name' },
          { title: t('query.savedBy'), dataIndex: 'createdBy', render: (by: string) => (by === me ? t('records.me') : by) },
          { title: t('query.savedAt'), dataIndex: 'createdAt', render: (at: string) => new Date(at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') },
          {
            title: '',
            key: 'actions',
            render: (_, query) => (
              <Space>
                <Button size="small" type="primary" disabled={busy} onClick={() => onRun(query)} aria-label={`${t('query.runSaved')} ${query.name}`}>
                  {t('query.runSaved')}
                </Button>
                <Popconfirm title={t('query.deleteConfirm', { name: query.name })} okText={t('query.delete')} cancelText={t('form.cancel')} onConfirm={() => onDelete(query)}>
                  <Button size="small" danger aria-label={`${t('query.delete')} ${query.name}`}>
                    {t('query.delete')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}
