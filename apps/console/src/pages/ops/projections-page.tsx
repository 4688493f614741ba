import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Popconfirm, Progress, Space, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import type { ProjectionView, RebuildProgress } from '../admin/admin-types';
import { LoadError, useLoad, when, wordFor } from '../admin/page-kit';

const POLL_MS = 500;
const STATUS_COLOURS: Record<string, string> = { running: 'green', paused: 'gold', failed: 'red' };

/** Polls a rebuild's progress until it ends; the API runs it, the page only watches. */
function useRebuild(onDone: () => void) {
  const { lang } = useI18n();
  const [progress, setProgress] = useState<RebuildProgress | undefined>();
  const [error, setError] = useState<string | undefined>();
  const name = progress?.state === 'running' ? progress.projection : undefined;
  useEffect(() => {
    if (!name) return;
    const timer = setInterval(() => {
      api
        .get<RebuildProgress>(`/v1/ops/projections/${name}/rebuild`)
        .then((next) => {
          setProgress(next);
          if (next.state !== 'running') onDone();
        })
        .catch((caught: unknown) => setError(describeError(caught, lang)));
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [name, lang, onDone]);
  const start = (projection: string) => {
    setError(undefined);
    api
      .request<RebuildProgress>(`/v1/ops/projections/${projection}/rebuild`, { method: 'POST' })
      .then((answer) => setProgress(answer.data))
      .catch((caught: unknown) => setError(describeError(caught, lang)));
  };
  return { progress, error, start };
}

/** The projections (read models): position, lag, quarantined streams, errors; a rebuild started here and watched to its end. */
export default function ProjectionsPage() {
  const { t, lang } = useI18n();
  const projections = useLoad(useCallback(() => api.get<ProjectionView[]>('/v1/ops/projections'), []));
  const { progress, error, start } = useRebuild(projections.reload);
  const running = progress?.state === 'running';
  const percent = progress && progress.total > 0 ? Math.floor((progress.done / progress.total) * 100) : 0;

  return (
    <>
      <Typography.Title level={2}>{t('menu.projections')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('ops.explain')}</Typography.Paragraph>
      <LoadError error={projections.error ?? error} />
      {progress && (
        <Card title={t('ops.rebuildOf', { name: progress.projection })} style={{ marginBottom: 16 }} data-testid="rebuild-progress">
          <Progress
            percent={progress.state === 'completed' ? 100 : percent}
            status={progress.state === 'failed' ? 'exception' : progress.state === 'completed' ? 'success' : 'active'}
            aria-label={t('ops.rebuildOf', { name: progress.projection })}
          />
          <Space wrap size="large" role="status">
            <span>{t('ops.events', { done: progress.done, total: progress.total })}</span>
            <span>{t('ops.rate', { rate: progress.eventsPerSecond })}</span>
            {running && progress.etaSeconds !== null && <span>{t('ops.eta', { seconds: progress.etaSeconds })}</span>}
            {progress.state === 'completed' && <Tag color="green">{t('ops.rebuilt', { generation: progress.generation ?? '' })}</Tag>}
            {progress.quarantined > 0 && <Tag color="orange">{t('ops.quarantinedN', { count: progress.quarantined })}</Tag>}
          </Space>
          {progress.state === 'failed' && <Alert type="error" showIcon title={t('ops.rebuildFailed')} description={progress.failure} style={{ marginTop: 12 }} />}
        </Card>
      )}
      <Card extra={<Button onClick={projections.reload}>{t('ops.refresh')}</Button>}>
        <Table<ProjectionView>
          rowKey="name"
          data-testid="projections-table"
          loading={!projections.data && !projections.error}
          dataSource={projections.data ?? []}
          pagination={false}
          scroll={{ x: true }}
          columns={[
            { title: t('ops.name'), dataIndex: 'name', render: (name: string) => <Typography.Text code>{name}</Typography.Text> },
            { title: t('ops.versionGeneration'), key: 'vg', render: (_: unknown, p) => `v${p.version} / g${p.generation}` },
            { title: t('field.status'), dataIndex: 'status', render: (status: string) => <Tag color={STATUS_COLOURS[status]}>{wordFor(t, `ops.status.${status}`, status)}</Tag> },
            { title: t('ops.position'), key: 'position', render: (_: unknown, p) => p.checkpoint.position },
            { title: t('ops.lag'), dataIndex: 'lagEvents', render: (lag: number) => (lag > 0 ? <Tag color={lag > 1000 ? 'red' : 'gold'}>{lag}</Tag> : 0) },
            { title: t('ops.quarantined'), dataIndex: 'quarantinedStreams', render: (count: number) => (count > 0 ? <Tag color="orange">{count}</Tag> : 0) },
            { title: t('ops.lastError'), dataIndex: 'lastError', render: (lastError?: string) => lastError ?? '' },
            { title: t('ops.updatedAt'), dataIndex: 'updatedAt', render: (at: string) => when(at, lang) },
            {
              title: '',
              key: 'rebuild',
              render: (_: unknown, p) => (
                <Popconfirm title={t('ops.rebuildExplain', { name: p.name })} okText={t('ops.rebuild')} cancelText={t('admin.cancel')} onConfirm={() => start(p.name)}>
                  <Button size="small" disabled={running} autoInsertSpace={false} aria-label={t('ops.rebuildOf', { name: p.name })}>
                    {t('ops.rebuild')}
                  </Button>
                </Popconfirm>
              ),
            },
          ]}
        />
      </Card>
    </>
  );
}
