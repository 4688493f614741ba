import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Card, DatePicker, Form, Input, Select, Space, Table, Typography } from 'antd';
import dayjs, { Dayjs } from 'dayjs';
import * as echarts from 'echarts/core';
import { api } from '../../api/api-client';
import { describeError } from '../../api/problem-messages';
import { saveFile } from '../../api/save-file';
import { useI18n } from '../../i18n/i18n';
import { measureLabel, reportLabel } from './report-labels';
import { CUSTOMER_TIERS, CUSTOMER_TYPES } from '../../../../../libs/ledger-domain/src/subject/customer-profile';

type Cell = { value: number | null } | { suppressed: true; display: string };
interface Row {
  key: string;
  cells: Cell[];
  total: Cell;
  measures: Record<string, Cell>;
}
interface Report {
  report: string;
  minCell: number;
  period: { from: string; to: string };
  table: { rowDimension: string; columnDimension: string | null; columns: string[]; measures: { key: string; unit: string }[]; rows: Row[]; total: Omit<Row, 'key'> };
}
interface CatalogueEntry {
  name: string;
  rows: { choices: string[]; default: string };
  columns: { choices: string[]; default: string | null } | null;
  /** The query filters it takes: the customer filters and its own (abnormal-indicators: `indicator`, a result's code). */
  filters?: string[];
}

const shown = (cell: Cell): string => ('suppressed' in cell ? cell.display : cell.value === null ? '—' : String(cell.value));
const numberOf = (cell: Cell): number | null => ('suppressed' in cell ? null : cell.value);

/**
 * The aggregate reports (GET /v1/reports): a report, its period, rows and columns, and the customer
 * filters; a chart of the customers per row (stacked by column), the table with its measures, and
 * CSV / XLSX downloads. Small cells come suppressed from the API and show as "<5", in the chart too.
 */
export function CustomerReports() {
  const { t, lang } = useI18n();
  const chart = useRef<HTMLDivElement>(null);
  const [catalogue, setCatalogue] = useState<CatalogueEntry[]>([]);
  const [name, setName] = useState('customer-structure');
  // none chosen: the API's default, the 365 days to today on the ledger's clock (not the browser's)
  const [period, setPeriod] = useState<[Dayjs, Dayjs] | undefined>();
  const [rows, setRows] = useState<string | undefined>();
  const [columns, setColumns] = useState<string | undefined>();
  const [filters, setFilters] = useState<{ customerType?: string; tier?: string; region?: string; indicator?: string }>({});
  const [report, setReport] = useState<Report | undefined>();
  const [error, setError] = useState<string | undefined>();
  const entry = catalogue.find((candidate) => candidate.name === name);

  useEffect(() => {
    api
      .get<{ reports: CatalogueEntry[] }>('/v1/reports')
      .then((answer) => setCatalogue(answer.reports))
      .catch((caught: unknown) => setError(describeError(caught, lang)));
  }, [lang]);

  const query = useMemo(() => ({ from: period?.[0].format('YYYY-MM-DD'), to: period?.[1].format('YYYY-MM-DD'), rows, columns, ...filters }), [period, rows, columns, filters]);
  useEffect(() => {
    if (!entry) return;
    setError(undefined);
    api
      .get<Report>(`/v1/reports/${name}`, { query })
      .then(setReport)
      .catch((caught: unknown) => setError(describeError(caught, lang)));
  }, [entry, name, query, lang]);

  useEffect(() => {
    if (!chart.current || !report) return;
    const instance = echarts.init(chart.current);
    const { table } = report;
    const labels = table.rows.map((row) => reportLabel(lang, row.key));
    // a suppressed cell has no bar; its label says "<5" where the bar would be
    const series =
      table.columns.length > 0
        ? table.columns.map((column, index) => ({
            name: reportLabel(lang, column),
            type: 'bar' as const,
            stack: 'customers',
            data: table.rows.map((row) => numberOf(row.cells[index])),
          }))
        : [
            {
              name: reportLabel(lang, 'customers'),
              type: 'bar' as const,
              data: table.rows.map((row) => numberOf(row.total)),
              label: { show: true, position: 'top' as const, formatter: (item: { dataIndex: number }) => shown(table.rows[item.dataIndex].total) },
            },
          ];
    instance.setOption({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 40, bottom: 56 },
      xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, rotate: labels.length > 8 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1, name: reportLabel(lang, 'customers') },
      series,
    });
    const resize = () => instance.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      instance.dispose();
    };
  }, [report, lang]);

  const download = async (format: 'csv' | 'xlsx') => {
    try {
      const blob = await api.blob(`/v1/reports/${name}`, { ...query, format });
      saveFile(blob, report ? `${name}-${report.period.from}-${report.period.to}.${format}` : `${name}.${format}`);
    } catch (caught) {
      setError(describeError(caught, lang));
    }
  };

  const tableColumns = report
    ? [
        { title: reportLabel(lang, report.table.rowDimension), dataIndex: 'label', key: 'label', fixed: 'left' as const },
        ...report.table.columns.map((column, index) => ({
          title: reportLabel(lang, column),
          key: `c${index}`,
          align: 'right' as const,
          render: (_: unknown, row: Row) => shown(row.cells[index]),
        })),
        { title: reportLabel(lang, 'customers'), key: 'total', align: 'right' as const, render: (_: unknown, row: Row) => <strong>{shown(row.total)}</strong> },
        ...report.table.measures.map((measure) => ({
          title: measureLabel(lang, measure.key),
          key: `m-${measure.key}`,
          align: 'right' as const,
          render: (_: unknown, row: Row) => shown(row.measures[measure.key]),
        })),
      ]
    : [];
  const tableRows = report ? [...report.table.rows, { key: 'total', ...report.table.total }].map((row) => ({ ...row, label: reportLabel(lang, row.key) })) : [];

  return (
    <Card title={t('reports.customerReports')}>
      <Form layout="inline" style={{ rowGap: 8, marginBottom: 16 }}>
        <Form.Item label={t('reports.report')}>
          <Select
            aria-label={t('reports.report')}
            style={{ width: 220 }}
            value={name}
            onChange={(value) => {
              setName(value);
              setRows(undefined);
              setColumns(undefined);
              // a report's own filter means nothing to another
              setFilters({ ...filters, indicator: undefined });
            }}
            options={catalogue.map((candidate) => ({ value: candidate.name, label: reportLabel(lang, candidate.name) }))}
          />
        </Form.Item>
        <Form.Item label={t('reports.period')}>
          <DatePicker.RangePicker
            allowClear={false}
            aria-label={t('reports.period')}
            value={period ?? (report ? [dayjs(report.period.from), dayjs(report.period.to)] : undefined)}
            onChange={(range) => range?.[0] && range[1] && setPeriod([range[0], range[1]])}
          />
        </Form.Item>
        {entry && entry.rows.choices.length > 1 && (
          <Form.Item label={t('reports.rows')}>
            <Select
              aria-label={t('reports.rows')}
              style={{ width: 140 }}
              value={rows ?? entry.rows.default}
              onChange={setRows}
              options={entry.rows.choices.map((choice) => ({ value: choice, label: reportLabel(lang, choice) }))}
            />
          </Form.Item>
        )}
        {entry?.columns && (
          <Form.Item label={t('reports.columns')}>
            <Select
              aria-label={t('reports.columns')}
              style={{ width: 140 }}
              value={columns ?? entry.columns.default ?? 'none'}
              onChange={setColumns}
              options={[...(entry.columns.default === null ? ['none'] : []), ...entry.columns.choices].map((choice) => ({ value: choice, label: reportLabel(lang, choice) }))}
            />
          </Form.Item>
        )}
        <Form.Item label={reportLabel(lang, 'customerType')}>
          <Select
            allowClear
            aria-label={reportLabel(lang, 'customerType')}
            style={{ width: 120 }}
            value={filters.customerType}
            onChange={(value?: string) => setFilters({ ...filters, customerType: value })}
            options={CUSTOMER_TYPES.map((value) => ({ value, label: reportLabel(lang, value) }))}
          />
        </Form.Item>
        <Form.Item label={reportLabel(lang, 'tier')}>
          <Select
            allowClear
            aria-label={reportLabel(lang, 'tier')}
            style={{ width: 110 }}
            value={filters.tier}
            onChange={(value?: string) => setFilters({ ...filters, tier: value })}
            options={CUSTOMER_TIERS.map((value) => ({ value, label: reportLabel(lang, value) }))}
          />
        </Form.Item>
        <Form.Item label={reportLabel(lang, 'region')}>
          <Input.Search
            allowClear
            aria-label={reportLabel(lang, 'region')}
            style={{ width: 160 }}
            onSearch={(value) => setFilters({ ...filters, region: value.trim() || undefined })}
          />
        </Form.Item>
        {entry?.filters?.includes('indicator') && (
          <Form.Item label={reportLabel(lang, 'indicator')}>
            {/* the API takes any result code (upper-cased), not a closed list: a text box */}
            <Input.Search
              allowClear
              aria-label={reportLabel(lang, 'indicator')}
              placeholder={t('reports.indicatorPlaceholder')}
              style={{ width: 170 }}
              onSearch={(value) => setFilters({ ...filters, indicator: value.trim() || undefined })}
            />
          </Form.Item>
        )}
      </Form>
      {error && <Alert type="error" showIcon title={error} role="alert" style={{ marginBottom: 16 }} />}
      {report && (
        <>
          <Space style={{ marginBottom: 8 }} wrap>
            <Typography.Text type="secondary">{t('reports.suppressionNote', { k: report.minCell })}</Typography.Text>
            <Button onClick={() => void download('csv')}>{t('reports.downloadCsv')}</Button>
            <Button onClick={() => void download('xlsx')}>{t('reports.downloadXlsx')}</Button>
          </Space>
          <div ref={chart} style={{ height: 340, width: '100%' }} role="img" aria-label={reportLabel(lang, report.report)} />
          <Table size="small" rowKey="key" pagination={false} scroll={{ x: true }} columns={tableColumns} dataSource={tableRows} />
        </>
      )}
    </Card>
  );
}
