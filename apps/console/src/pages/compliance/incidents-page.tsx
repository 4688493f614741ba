import { useCallback, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Drawer, Space, Statistic, Table, Tag, Typography } from 'antd';
import { api } from '../../api/api-client';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel } from '../../i18n/labels';
import { useSession } from '../../session/session';
import { hasAnyRole } from '../../session/jwt';
import type { Incident, RegistryCategory } from '../admin/admin-types';
import { Id, LoadError, useLoad, when, wordFor } from '../admin/page-kit';
import { IncidentForm, NotificationForm } from './incident-forms';

/** The reserved purpose under which who an incident affected may be listed (Art. 57), as `pipl:compliance-audit` is for the audit report. */
const BREACH_RESPONSE = 'pipl:breach-response';

interface Affected {
  subjectCount: number;
  categories: Record<string, number>;
  listDigest: string;
  subjects: { subjectId: string; categories: string[]; how: 'read' | 'written' | 'held' }[];
}

interface NotificationList {
  subjectCount: number;
  unreachable: number;
  listDigest: string;
  subjects: { subjectId: string; name: string | null; phone: string | null; email: string | null; reachable: boolean; categories: string[] }[];
}

/**
 * Security incidents (PIPL Art. 57): what happened, the window, the accounts and systems, whom it was notified to.
 * The compliance officer opens one here and takes its steps in its drawer: who it affected, the list to notify
 * them from, and each notification sent (to the regulator, to the individuals).
 */
export default function IncidentsPage() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { user } = useSession();
  const officer = hasAnyRole(user, ['compliance_officer']);
  const incidents = useLoad(useCallback(() => api.get<{ items: Incident[] }>('/v1/compliance/incidents').then((page) => page.items), []));
  const categories = useLoad(useCallback(() => (officer ? api.get<RegistryCategory[]>('/v1/categories') : Promise.resolve([])), [officer]));
  const [recording, setRecording] = useState(false);
  const [openId, setOpenId] = useState<string | undefined>();
  const shown = incidents.data?.find((incident) => incident.incidentId === openId);
  return (
    <>
      <Typography.Title level={2}>{t('menu.incidents')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('incidents.explain')}</Typography.Paragraph>
      <LoadError error={incidents.error} />
      <Card
        extra={
          officer && (
            <Button type="primary" onClick={() => setRecording(true)}>
              {t('incidents.record')}
            </Button>
          )
        }
      >
        <Table<Incident>
          rowKey="incidentId"
          data-testid="incidents"
          loading={!incidents.data && !incidents.error}
          dataSource={incidents.data ?? []}
          scroll={{ x: true }}
          locale={{ emptyText: <Typography.Text type="secondary">{t('incidents.none')}</Typography.Text> }}
          onRow={(incident) => ({ onClick: () => setOpenId(incident.incidentId), style: { cursor: 'pointer' } })}
          columns={[
            {
              title: t('incidents.kind'),
              dataIndex: 'kind',
              render: (kind: string, incident) => (
                <Button type="link" style={{ padding: 0 }} onClick={() => setOpenId(incident.incidentId)}>
                  {wordFor(t, `incidents.kind.${kind}`, kind)}
                </Button>
              ),
            },
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
      {recording && (
        <IncidentForm
          categories={categories.data ?? []}
          onClose={(recorded) => {
            setRecording(false);
            if (!recorded) return;
            void message.success(t('incidents.recorded'));
            incidents.reload();
            setOpenId(recorded.incidentId);
          }}
        />
      )}
      {openId && <IncidentDrawer incident={shown} officer={officer} onClose={() => setOpenId(undefined)} onChanged={incidents.reload} />}
    </>
  );
}

/** One incident and its steps: who it affected, the list to notify from (both access-logged, under breach response), the notifications sent. */
function IncidentDrawer({ incident, officer, onClose, onChanged }: { incident?: Incident; officer: boolean; onClose: () => void; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [affected, setAffected] = useState<Affected | undefined>();
  const [list, setList] = useState<NotificationList | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<'affected' | 'list' | undefined>();
  const [notifying, setNotifying] = useState(false);
  const base = incident && `/v1/compliance/incidents/${incident.incidentId}`;
  const ask = async (step: 'affected' | 'list') => {
    if (!base) return;
    setBusy(step);
    setError(undefined);
    try {
      if (step === 'affected') setAffected(await api.get<Affected>(`${base}/affected`, { purposeId: BREACH_RESPONSE }));
      else setList(await api.get<NotificationList>(`${base}/notification-list`, { purposeId: BREACH_RESPONSE }));
    } catch (caught) {
      setError(describeError(caught, lang));
    } finally {
      setBusy(undefined);
    }
  };
  const categoryTags = (names: string[]) => names.map((name) => <Tag key={name}>{categoryLabel(name, lang)}</Tag>);
  return (
    <Drawer open onClose={onClose} size={720} title={incident ? wordFor(t, `incidents.kind.${incident.kind}`, incident.kind) : t('menu.incidents')} data-testid="incident-drawer">
      {incident && (
        <>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('incidents.detectedAt')}>{when(incident.detectedAt, lang)}</Descriptions.Item>
            <Descriptions.Item label={t('incidents.window')}>{`${when(incident.from, lang)} – ${when(incident.to, lang)}`}</Descriptions.Item>
            <Descriptions.Item label={t('incidents.actors')}>
              {incident.actors.map((a) => (
                <Tag key={a}>{a}</Tag>
              ))}
            </Descriptions.Item>
            <Descriptions.Item label={t('incidents.systems')}>
              {(incident.systems ?? []).map((s) => (
                <Tag key={s}>{s}</Tag>
              ))}
            </Descriptions.Item>
            <Descriptions.Item label={t('incidents.categories')}>
              {incident.categories?.length ? categoryTags(incident.categories) : t('incidents.allCategories')}
            </Descriptions.Item>
          </Descriptions>

          <Typography.Title level={4} style={{ marginTop: 24 }}>
            {t('incidents.notifications')}
          </Typography.Title>
          <Table
            rowKey={(n) => n.notificationId ?? `${n.audience}${n.notifiedAt}`}
            size="small"
            pagination={false}
            data-testid="incident-notifications"
            dataSource={incident.notifications}
            locale={{ emptyText: <Typography.Text type="secondary">{t('incidents.notNotified')}</Typography.Text> }}
            columns={[
              { title: t('incidents.audience'), dataIndex: 'audience', render: (audience: string) => wordFor(t, `incidents.audience.${audience}`, audience) },
              { title: t('incidents.channel'), dataIndex: 'channel' },
              { title: t('incidents.reference'), dataIndex: 'reference', render: (reference?: string) => reference ?? '' },
              { title: t('incidents.notifiedAt'), dataIndex: 'notifiedAt', render: (at: string) => when(at, lang) },
              { title: t('incidents.subjectCount'), dataIndex: 'subjectCount', render: (count?: number) => count ?? '' },
            ]}
          />

          {officer && (
            <>
              <Typography.Title level={4} style={{ marginTop: 24 }}>
                {t('incidents.steps')}
              </Typography.Title>
              <Typography.Paragraph type="secondary">{t('incidents.stepsExplain')}</Typography.Paragraph>
              {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
              <Space wrap style={{ marginBottom: 16 }}>
                <Button loading={busy === 'affected'} onClick={() => void ask('affected')}>
                  {t('incidents.showAffected')}
                </Button>
                <Button loading={busy === 'list'} onClick={() => void ask('list')}>
                  {t('incidents.showList')}
                </Button>
                <Button type="primary" onClick={() => setNotifying(true)}>
                  {t('incidents.notify')}
                </Button>
              </Space>
              {affected && (
                <Card size="small" title={t('incidents.affected')} data-testid="incident-affected" style={{ marginBottom: 16 }}>
                  <Space wrap size="large" style={{ marginBottom: 8 }}>
                    <Statistic title={t('incidents.subjectCount')} value={affected.subjectCount} />
                    <div>
                      {Object.entries(affected.categories).map(([name, count]) => (
                        <Tag key={name}>{`${categoryLabel(name, lang)} ${count}`}</Tag>
                      ))}
                    </div>
                  </Space>
                  <Table
                    rowKey="subjectId"
                    size="small"
                    pagination={{ pageSize: 20, hideOnSinglePage: true }}
                    scroll={{ x: true }}
                    dataSource={affected.subjects}
                    columns={[
                      { title: t('incidents.subject'), dataIndex: 'subjectId', render: (id: string) => <Id value={id} /> },
                      { title: t('incidents.how'), dataIndex: 'how', render: (how: string) => wordFor(t, `incidents.how.${how}`, how) },
                      { title: t('incidents.categories'), dataIndex: 'categories', render: categoryTags },
                    ]}
                  />
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('incidents.digest')}{' '}
                    <Typography.Text code data-testid="incident-digest">
                      {affected.listDigest}
                    </Typography.Text>
                  </Typography.Text>
                </Card>
              )}
              {list && (
                <Card size="small" title={t('incidents.list')} data-testid="incident-notification-list" style={{ marginBottom: 16 }}>
                  <Typography.Paragraph>{t('incidents.listCounts', { count: list.subjectCount, unreachable: list.unreachable })}</Typography.Paragraph>
                  <Table
                    rowKey="subjectId"
                    size="small"
                    pagination={{ pageSize: 20, hideOnSinglePage: true }}
                    scroll={{ x: true }}
                    dataSource={list.subjects}
                    columns={[
                      { title: t('incidents.name'), dataIndex: 'name', render: (name: string | null) => name ?? '' },
                      { title: t('incidents.phone'), dataIndex: 'phone', render: (phone: string | null) => phone ?? '' },
                      { title: t('incidents.email'), dataIndex: 'email', render: (email: string | null) => email ?? '' },
                      {
                        title: t('incidents.reachable'),
                        dataIndex: 'reachable',
                        render: (reachable: boolean) => <Tag color={reachable ? 'green' : 'red'}>{t(reachable ? 'incidents.reachableYes' : 'incidents.reachableNo')}</Tag>,
                      },
                      { title: t('incidents.categories'), dataIndex: 'categories', render: categoryTags },
                    ]}
                  />
                </Card>
              )}
            </>
          )}
          {notifying && (
            <NotificationForm
              incidentId={incident.incidentId}
              onClose={(recorded) => {
                setNotifying(false);
                if (!recorded) return;
                void message.success(t('incidents.notified.saved'));
                onChanged();
              }}
            />
          )}
        </>
      )}
    </Drawer>
  );
}
