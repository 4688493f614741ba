import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Popconfirm, Table, Tag } from 'antd';
import { api } from '../../api/api-client';
import type { AccessRecord, Consent, HistoryEntry, Page, Profile } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel, fieldLabel, statusLabel } from '../../i18n/labels';
import { FieldValue } from './field-value';

export function when(at: string | undefined, lang: string): string {
  return at ? new Date(at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') : '';
}

/** Loads once per `load` identity (and again on reload()), the error in plain words. */
export function useLoad<T>(load: () => Promise<T>): { data?: T; error?: string; reload: () => void } {
  const { lang } = useI18n();
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const reload = useCallback(() => {
    load()
      .then((data) => setState({ data }))
      .catch((caught: unknown) => setState({ error: describeError(caught, lang) }));
  }, [load, lang]);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

const categories = (list: string[], lang: 'zh' | 'en') => list.map((category) => <Tag key={category}>{categoryLabel(category, lang)}</Tag>);

export function ConsentsTab({ profile, onChanged, mayWithdraw }: { profile: Profile; onChanged: () => void; mayWithdraw: boolean }) {
  const { t, lang } = useI18n();
  const [error, setError] = useState<string | undefined>();
  const withdraw = async (consent: Consent) => {
    try {
      await api.request(`/v1/subjects/${profile.subjectId}/consents/${consent.consentId}`, { method: 'DELETE', ifMatch: profile.version, personalData: true });
      onChanged();
    } catch (caught) {
      setError(describeError(caught, lang));
    }
  };
  return (
    <>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 12 }} />}
      <Table<Consent>
        rowKey="consentId"
        size="small"
        pagination={false}
        scroll={{ x: true }}
        dataSource={profile.consents}
        columns={[
          { title: t('consent.purpose'), dataIndex: 'purposeId' },
          { title: t('consent.categories'), dataIndex: 'categories', render: (list: string[]) => categories(list, lang) },
          { title: t('consent.separate'), dataIndex: 'separate', render: (separate: boolean) => (separate ? <Tag color="purple">{t('consent.separateYes')}</Tag> : '') },
          { title: t('field.status'), dataIndex: 'status', render: (status: string) => <Tag color={status === 'active' ? 'green' : 'default'}>{statusLabel(status, lang)}</Tag> },
          { title: t('consent.notice'), dataIndex: 'noticeVersion' },
          { title: t('consent.grantedAt'), dataIndex: 'grantedAt', render: (at: string) => when(at, lang) },
          ...(mayWithdraw
            ? [
                {
                  title: '',
                  key: 'withdraw',
                  render: (_: unknown, consent: Consent) =>
                    consent.status === 'active' ? (
                      <Popconfirm title={t('consent.withdrawConfirm')} onConfirm={() => void withdraw(consent)}>
                        <Button size="small" danger>
                          {t('consent.withdraw')}
                        </Button>
                      </Popconfirm>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
    </>
  );
}

interface Disclosure {
  disclosureId?: string;
  recipient?: { name: string; contact?: string };
  purposeId: string;
  categories: string[];
  disclosedAt?: string;
  [key: string]: unknown;
}

export function DisclosuresTab({ subjectId }: { subjectId: string }) {
  const { t, lang } = useI18n();
  const load = useCallback(() => api.get<Disclosure[] | { items: Disclosure[] }>(`/v1/subjects/${subjectId}/disclosures`, { personalData: true }), [subjectId]);
  const { data, error } = useLoad(load);
  const items = Array.isArray(data) ? data : (data?.items ?? []);
  return (
    <>
      {error && <Alert type="error" showIcon title={error} role="alert" />}
      <Table<Disclosure>
        rowKey={(row, index) => row.disclosureId ?? String(index)}
        size="small"
        pagination={false}
        scroll={{ x: true }}
        dataSource={items}
        locale={{ emptyText: t('disclosure.none') }}
        columns={[
          { title: t('disclosure.recipient'), key: 'recipient', render: (_, row) => row.recipient?.name },
          { title: t('consent.purpose'), dataIndex: 'purposeId' },
          { title: t('consent.categories'), dataIndex: 'categories', render: (list: string[]) => categories(list ?? [], lang) },
          { title: t('disclosure.at'), key: 'at', render: (_, row) => when(row.disclosedAt ?? (row.recordedAt as string | undefined), lang) },
        ]}
      />
    </>
  );
}

/** Who read this customer's information, when, under which purpose, and what was shown unmasked. */
export function AccessLogTab({ subjectId, refreshKey }: { subjectId: string; refreshKey: number }) {
  const { t, lang } = useI18n();
  // refreshKey: a read made on this page (a reveal) is in the log the next time the tab shows
  const load = useCallback(() => api.get<Page<AccessRecord>>('/v1/audit/access', { query: { subjectId, limit: 100 } }), [subjectId, refreshKey]);
  const { data, error } = useLoad(load);
  return (
    <>
      {error && <Alert type="error" showIcon title={error} role="alert" />}
      <Table<AccessRecord>
        data-testid="access-log"
        rowKey="accessId"
        size="small"
        pagination={false}
        scroll={{ x: true }}
        dataSource={data?.items ?? []}
        columns={[
          { title: t('access.at'), dataIndex: 'accessedAt', render: (at: string) => when(at, lang) },
          { title: t('access.actor'), dataIndex: 'actor' },
          { title: t('access.via'), dataIndex: 'via', render: (via: string) => t(`access.via.${via}` as 'access.via.profile') },
          { title: t('consent.purpose'), dataIndex: 'purposeId' },
          { title: t('consent.categories'), dataIndex: 'categories', render: (list: string[]) => categories(list, lang) },
          {
            title: t('access.revealed'),
            dataIndex: 'revealed',
            // category.field paths: what was shown unmasked
            render: (list: string[]) =>
              list.map((path) => {
                const [category, field] = path.split('.');
                return (
                  <Tag key={path} color="red">
                    {categoryLabel(category, lang)}
                    {field ? ` · ${fieldLabel(field, lang)}` : ''}
                  </Tag>
                );
              }),
          },
        ]}
      />
    </>
  );
}

export function HistoryTab({ subjectId }: { subjectId: string }) {
  const { t, lang } = useI18n();
  const load = useCallback(() => api.get<HistoryEntry[] | Page<HistoryEntry>>(`/v1/subjects/${subjectId}/history`, { personalData: true }), [subjectId]);
  const { data, error } = useLoad(load);
  const items = Array.isArray(data) ? data : (data?.items ?? []);
  return (
    <>
      {error && <Alert type="error" showIcon title={error} role="alert" />}
      <Table<HistoryEntry>
        rowKey={(row) => `${row.position}-${row.category}-${row.field}`}
        size="small"
        pagination={{ pageSize: 20 }}
        scroll={{ x: true }}
        dataSource={items}
        columns={[
          { title: t('access.at'), dataIndex: 'recordedAt', render: (at: string) => when(at, lang) },
          { title: t('history.event'), dataIndex: 'eventType' },
          {
            title: t('history.field'),
            key: 'field',
            render: (_, row) => (row.category ? `${categoryLabel(row.category, lang)} · ${row.field ? fieldLabel(row.field, lang) : ''}` : ''),
          },
          { title: t('history.previous'), dataIndex: 'previousValue', render: (value: unknown) => <FieldValue value={value} /> },
          { title: t('history.value'), dataIndex: 'value', render: (value: unknown) => <FieldValue value={value} /> },
          { title: t('access.actor'), dataIndex: 'actor' },
          { title: t('edit.reason'), dataIndex: 'reason' },
        ]}
      />
    </>
  );
}
