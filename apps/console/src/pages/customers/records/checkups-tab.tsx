import { useCallback, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Select, Space, Table, Tag, Typography } from 'antd';
import { api } from '../../../api/api-client';
import type { CheckupVisit } from '../../../api/types';
import { useI18n } from '../../../i18n/i18n';
import { usePurpose } from '../../../session/purpose';
import { useSession } from '../../../session/session';
import { StaffRef } from './follow-up-parts';
import { useLoad } from '../customer-file-tabs';
import { CheckupForm } from './checkup-form';
import { CheckupResults } from './checkup-results';
import { IndicatorTrendChart } from './indicator-trend';
import type { RecordTabProps } from './record-tab';

const abnormalCount = (visit: CheckupVisit) => visit.visit.results.filter((result) => result.abnormal === true).length;

/**
 * The customer's check-ups (体检, category health_records): the visits newest first, one visit's
 * results with the abnormal ones highlighted, an indicator's trend across visits, and a form to
 * record a visit. Reading the list is one recorded read; the visit shown comes from it.
 */
export function CheckupsTab({ subjectId, mayWrite, breakGlass, itemId, openItem }: RecordTabProps) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const { user } = useSession();
  const [recording, setRecording] = useState(false);
  const [trendCode, setTrendCode] = useState<string | undefined>();
  const load = useCallback(() => api.get<{ items: CheckupVisit[] }>(`/v1/subjects/${subjectId}/checkups`, { personalData: true, breakGlass }), [subjectId, breakGlass]);
  const { data, error, reload } = useLoad(load);
  const visits = data?.items ?? [];
  const shown = visits.find((visit) => visit.visitId === itemId) ?? visits[0];
  const codes = [...new Map(visits.flatMap((visit) => visit.visit.results.map((result) => [result.code.toUpperCase(), result.name] as const))).entries()];
  const trend = trendCode ?? shown?.visit.results.find((result) => result.abnormal)?.code ?? shown?.visit.results[0]?.code;

  return (
    <>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
      {mayWrite && purpose && (
        <Button type="primary" onClick={() => setRecording(true)} style={{ marginBottom: 12 }}>
          {t('checkups.record')}
        </Button>
      )}
      <Table<CheckupVisit>
        data-testid="checkup-visits"
        rowKey="visitId"
        size="small"
        loading={!data && !error}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        dataSource={visits}
        locale={{ emptyText: <Typography.Text type="secondary">{t('checkups.none')}</Typography.Text> }}
        rowClassName={(visit) => (visit.visitId === shown?.visitId ? 'ant-table-row-selected' : '')}
        onRow={(visit) => ({ onClick: () => openItem(visit.visitId), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('checkups.visitDate'), dataIndex: 'visitDate' },
          { title: t('checkups.institution'), key: 'institution', render: (_, visit) => visit.visit.institution },
          { title: t('checkups.package'), key: 'package', render: (_, visit) => visit.visit.package ?? '' },
          {
            title: t('checkups.results'),
            key: 'abnormal',
            render: (_, visit) => {
              const count = abnormalCount(visit);
              return count > 0 ? <Tag color="red">{t('checkups.abnormalCount', { count })}</Tag> : <Tag color="green">{t('checkups.allNormal')}</Tag>;
            },
          },
        ]}
      />
      {shown && (
        <Card size="small" style={{ marginTop: 16 }} data-testid="checkup-visit" title={`${shown.visitDate} · ${shown.visit.institution}`}>
          <Descriptions size="small" column={{ xs: 1, sm: 2 }} style={{ marginBottom: 12 }}>
            {shown.visit.package && <Descriptions.Item label={t('checkups.package')}>{shown.visit.package}</Descriptions.Item>}
            <Descriptions.Item label={t('records.recordedBy')}>
              <StaffRef id={shown.recordedBy} me={user?.id} />
            </Descriptions.Item>
          </Descriptions>
          <CheckupResults results={shown.visit.results} onTrend={setTrendCode} />
          {shown.visit.conclusions.length > 0 && (
            <>
              <Typography.Title level={5} style={{ marginTop: 16 }}>
                {t('checkups.conclusions')}
              </Typography.Title>
              <ul>
                {shown.visit.conclusions.map((line, index) => (
                  <li key={index}>{line}</li>
                ))}
              </ul>
            </>
          )}
        </Card>
      )}
      {trend && (
        <Card size="small" style={{ marginTop: 16 }}>
          <Space wrap style={{ marginBottom: 8 }}>
            <Typography.Text>{t('checkups.trendPick')}</Typography.Text>
            <Select
              aria-label={t('checkups.trendPick')}
              style={{ minWidth: 200 }}
              value={trend.toUpperCase()}
              onChange={setTrendCode}
              options={codes.map(([code, name]) => ({ value: code, label: `${name} (${code})` }))}
            />
          </Space>
          <IndicatorTrendChart key={`${trend.toUpperCase()}:${visits.length}`} subjectId={subjectId} code={trend} breakGlass={breakGlass} />
        </Card>
      )}
      {recording && purpose && (
        <CheckupForm
          subjectId={subjectId}
          purposeId={purpose.id}
          breakGlass={breakGlass}
          onClose={(recorded) => {
            setRecording(false);
            if (!recorded) return;
            void message.success(recorded.followUpTaskId ? `${t('records.saved')} · ${t('checkups.followUpOpened')}` : t('records.saved'));
            setTrendCode(undefined);
            openItem(recorded.visitId);
            reload();
          }}
        />
      )}
    </>
  );
}
