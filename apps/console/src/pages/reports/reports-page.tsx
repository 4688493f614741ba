import { useEffect, useRef, useState } from 'react';
import { Alert, Card, Typography } from 'antd';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api } from '../../api/api-client';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { useSession } from '../../session/session';
import { CustomerReports } from './customer-reports';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface Activity {
  from: string;
  to: string;
  days: { day: string; collections: number; rightsRequests: number }[];
}

/** Counts only (no customer appears): the aggregate reports, and for admins and compliance officers data collections and rights requests per day. */
export default function ReportsPage() {
  const { t } = useI18n();
  const { user } = useSession();
  const seesActivity = user?.roles.some((role) => role === 'admin' || role === 'compliance_officer') ?? false;
  return (
    <>
      <Typography.Title level={2}>{t('reports.title')}</Typography.Title>
      <CustomerReports />
      {seesActivity && <ActivityCard />}
    </>
  );
}

function ActivityCard() {
  const { t, lang } = useI18n();
  const chart = useRef<HTMLDivElement>(null);
  const [activity, setActivity] = useState<Activity | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api
      .get<Activity>('/v1/stats/activity')
      .then(setActivity)
      .catch((caught: unknown) => setError(describeError(caught, lang)));
  }, [lang]);
  useEffect(() => {
    if (!chart.current || !activity) return;
    const instance = echarts.init(chart.current);
    instance.setOption({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t('reports.collections'), t('reports.rightsRequests')] },
      grid: { left: 40, right: 16, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: activity.days.map((day) => day.day.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('reports.collections'), type: 'bar', data: activity.days.map((day) => day.collections) },
        { name: t('reports.rightsRequests'), type: 'line', data: activity.days.map((day) => day.rightsRequests) },
      ],
    });
    const resize = () => instance.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      instance.dispose();
    };
  }, [activity, t]);
  return (
    <Card style={{ marginTop: 16 }} title={activity ? t('reports.range', { from: activity.from, to: activity.to }) : t('reports.activity')}>
      {error && <Alert type="error" showIcon title={error} role="alert" />}
      <div ref={chart} style={{ height: 360, width: '100%' }} role="img" aria-label={t('reports.activity')} />
    </Card>
  );
}
