import { useCallback, useEffect, useRef } from 'react';
import { Alert, Empty, Spin, Table, Typography } from 'antd';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api, type BreakGlass } from '../../../api/api-client';
import type { IndicatorTrend } from '../../../api/types';
import { useI18n } from '../../../i18n/i18n';
import { useLoad } from '../customer-file-tabs';
import { directionOf, rangeText, ResultFlag } from './checkup-results';

echarts.use([LineChart, GridComponent, TooltipComponent, MarkAreaComponent, AriaComponent, CanvasRenderer]);

type Point = IndicatorTrend['points'][number];

/**
 * One indicator across the customer's visits (GET …/indicators/{code}/trend, a recorded read): a line
 * of the numeric values, abnormal points in red, the latest reference range shaded; ECharts' own
 * description of the data is the chart's accessible name, and the points are listed beneath it.
 */
export function IndicatorTrendChart({ subjectId, code, breakGlass }: { subjectId: string; code: string; breakGlass?: BreakGlass }) {
  const { t, lang } = useI18n();
  const element = useRef<HTMLDivElement>(null);
  const load = useCallback(
    () => api.get<IndicatorTrend>(`/v1/subjects/${subjectId}/indicators/${encodeURIComponent(code)}/trend`, { personalData: true, breakGlass }),
    [subjectId, code, breakGlass],
  );
  const { data: trend, error } = useLoad(load);
  const numeric = (trend?.points ?? []).filter((point): point is Point & { value: number } => typeof point.value === 'number');
  const name = trend ? `${trend.name ?? trend.code} (${trend.code})` : code;

  useEffect(() => {
    if (!element.current || numeric.length === 0) return;
    const chart = echarts.init(element.current, undefined, { locale: lang === 'zh' ? 'ZH' : 'EN' });
    const range = [...numeric].reverse().find((point) => point.referenceRange?.low !== undefined && point.referenceRange.high !== undefined)?.referenceRange;
    chart.setOption({
      aria: { enabled: true },
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 24, top: 32, bottom: 32 },
      xAxis: { type: 'category', data: numeric.map((point) => point.visitDate) },
      // the axis reaches the reference range, so a value is seen against it
      yAxis: {
        type: 'value',
        name: numeric.at(-1)?.unit ?? '',
        min: (extent: { min: number }) => Math.floor(Math.min(extent.min, range?.low ?? extent.min)),
        max: (extent: { max: number }) => Math.ceil(Math.max(extent.max, range?.high ?? extent.max)),
      },
      series: [
        {
          name,
          type: 'line',
          symbol: 'circle',
          data: numeric.map((point) => ({
            value: point.value,
            symbolSize: point.abnormal ? 11 : 7,
            itemStyle: { color: point.abnormal ? '#cf1322' : '#0b6bcb' },
          })),
          lineStyle: { color: '#0b6bcb' },
          markArea: range ? { silent: true, itemStyle: { color: 'rgba(82, 196, 26, 0.12)' }, data: [[{ yAxis: range.low }, { yAxis: range.high }]] } : undefined,
        },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
    // numeric is derived from trend: redraw when the answer or the language changes
  }, [trend, lang, name]);

  if (error) return <Alert type="error" showIcon role="alert" title={error} />;
  if (!trend) return <Spin />;
  return (
    <section aria-label={t('checkups.trendOf', { name })} data-testid="indicator-trend" data-code={trend.code}>
      <Typography.Title level={4}>{t('checkups.trendOf', { name })}</Typography.Title>
      {numeric.length === 0 ? <Empty description={t('checkups.trendNone')} /> : <div ref={element} role="img" data-testid="trend-chart" style={{ height: 280, width: '100%' }} />}
      <Table<Point>
        data-testid="trend-points"
        rowKey="visitId"
        size="small"
        pagination={false}
        scroll={{ x: 'max-content' }}
        dataSource={trend.points}
        rowClassName={(point) => (point.abnormal ? 'abnormal' : '')}
        columns={[
          { title: t('checkups.visitDate'), dataIndex: 'visitDate' },
          { title: t('checkups.value'), key: 'value', render: (_, point) => `${String(point.value)} ${point.unit ?? ''}` },
          { title: t('checkups.range'), key: 'range', render: (_, point) => rangeText(point.referenceRange) },
          { title: t('checkups.flag'), key: 'flag', render: (_, point) => <ResultFlag result={{ ...point, direction: directionOf(point) }} /> },
        ]}
      />
    </section>
  );
}
