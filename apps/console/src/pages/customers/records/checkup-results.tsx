import { Button, Table, Tag, Tooltip, Typography } from 'antd';
import type { CheckupResult, ReferenceRange } from '../../../api/types';
import { useI18n } from '../../../i18n/i18n';

export function rangeText(range: ReferenceRange | undefined): string {
  if (!range) return '';
  if (range.text) return range.text;
  if (range.low !== undefined && range.high !== undefined) return `${range.low}–${range.high}`;
  if (range.low !== undefined) return `≥ ${range.low}`;
  if (range.high !== undefined) return `≤ ${range.high}`;
  return '';
}

/** Which side of the range an abnormal numeric value lies on (a trend's points carry the flag without it). */
export function directionOf(point: { abnormal: boolean | null; value: number | string; referenceRange?: ReferenceRange }): 'high' | 'low' | undefined {
  if (!point.abnormal || typeof point.value !== 'number') return undefined;
  const { low, high } = point.referenceRange ?? {};
  return high !== undefined && point.value > high ? 'high' : low !== undefined && point.value < low ? 'low' : undefined;
}

/** Abnormal in red with its direction, normal in green, "not judged" grey; how it was judged on hover. */
export function ResultFlag({ result }: { result: Pick<CheckupResult, 'abnormal' | 'direction'> & { abnormalSource?: CheckupResult['abnormalSource'] } }) {
  const { t } = useI18n();
  const how = result.abnormalSource === 'given' ? t('checkups.given') : result.abnormalSource === 'computed' ? t('checkups.computed') : undefined;
  const tag =
    result.abnormal === true ? (
      <Tag color="red" data-flag="abnormal">
        {result.direction === 'high' ? t('checkups.high') : result.direction === 'low' ? t('checkups.low') : t('checkups.abnormal')}
      </Tag>
    ) : result.abnormal === false ? (
      <Tag color="green" data-flag="normal">
        {t('checkups.normal')}
      </Tag>
    ) : (
      <Tag data-flag="unknown">{t('checkups.unknown')}</Tag>
    );
  return how ? <Tooltip title={how}>{tag}</Tooltip> : tag;
}

/** One visit's results: abnormal rows highlighted, each indicator's trend a click away. */
export function CheckupResults({ results, onTrend }: { results: CheckupResult[]; onTrend: (code: string) => void }) {
  const { t } = useI18n();
  return (
    <Table<CheckupResult>
      data-testid="checkup-results"
      rowKey="code"
      size="small"
      pagination={false}
      scroll={{ x: 'max-content' }}
      dataSource={results}
      rowClassName={(result) => (result.abnormal ? 'abnormal' : '')}
      columns={[
        { title: t('checkups.name'), dataIndex: 'name', render: (name: string, result) => `${name} (${result.code})` },
        {
          title: t('checkups.value'),
          dataIndex: 'value',
          render: (value: number | string, result) => (
            <Typography.Text strong={result.abnormal === true} type={result.abnormal ? 'danger' : undefined}>
              {String(value)} {result.unit ?? ''}
            </Typography.Text>
          ),
        },
        { title: t('checkups.range'), key: 'range', render: (_, result) => rangeText(result.referenceRange) },
        { title: t('checkups.flag'), key: 'flag', render: (_, result) => <ResultFlag result={result} /> },
        {
          title: '',
          key: 'trend',
          render: (_, result) => (
            // the visible word starts the accessible name (no space put between two characters)
            <Button size="small" autoInsertSpace={false} onClick={() => onTrend(result.code)} aria-label={`${t('checkups.trend')} ${result.name}`}>
              {t('checkups.trend')}
            </Button>
          ),
        },
      ]}
    />
  );
}
