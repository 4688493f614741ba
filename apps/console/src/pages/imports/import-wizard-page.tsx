import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Descriptions, Form, Input, Popconfirm, Progress, Select, Space, Statistic, Steps, Table, Tag, Typography, Upload } from 'antd';
import { api } from '../../api/api-client';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import type { ImportDuplicate, ImportJob, ImportProblem, NoticeSummary, RegistryPurpose } from '../admin/admin-types';
import { LoadError, useLoad, useRun, wordFor } from '../admin/page-kit';
import { Link } from 'react-router';
import { authorizedFetch, downloadErrors, downloadTemplate, templateHeaders } from './import-transport';

interface Settings {
  purposeId: string;
  noticeVersion: string;
  channel: string;
  onDuplicate: 'skip' | 'update' | 'create-and-flag';
}

const POLL_MS = 500;
const ENDED = ['completed', 'cancelled', 'failed'];
const IGNORE = '__ignore__';

/** Follows a job until it ends: the API runs it in the background; the page shows rows, outcomes, rate and ETA as they move. */
function useJob(jobId: string | undefined): { job?: ImportJob; error?: string } {
  const { lang } = useI18n();
  const [state, setState] = useState<{ job?: ImportJob; error?: string }>({});
  useEffect(() => {
    setState({});
    if (!jobId) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let current = true;
    const poll = () =>
      api
        .get<ImportJob>(`/v1/imports/${jobId}`)
        .then((job) => {
          if (!current) return;
          setState({ job });
          if (!ENDED.includes(job.state)) timer = setTimeout(() => void poll(), POLL_MS);
        })
        .catch((caught: unknown) => current && setState({ error: describeError(caught, lang) }));
    void poll();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [jobId, lang]);
  return state;
}

/** The refused rows of a job that ended: row, column, why (never a value), and the whole report as CSV. */
function JobProblems({ job }: { job: ImportJob }) {
  const { t } = useI18n();
  const run = useRun();
  const problems = useLoad(useCallback(() => api.get<{ items: ImportProblem[] }>(`/v1/imports/${job.jobId}/errors`, { query: { limit: 100 } }), [job.jobId]));
  if (job.rows.refused === 0) return null;
  return (
    <Card
      title={t('imports.problems', { count: job.rows.refused })}
      data-testid={job.dryRun ? 'dry-run-problems' : 'import-problems'}
      style={{ marginTop: 16 }}
      extra={<Button onClick={() => void run(() => downloadErrors(job.jobId))}>{t('imports.downloadErrors')}</Button>}
    >
      <LoadError error={problems.error} />
      <Table<ImportProblem>
        rowKey={(p) => `${p.row}-${p.column}-${p.code}`}
        size="small"
        dataSource={problems.data?.items ?? []}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        scroll={{ x: true }}
        columns={[
          { title: t('imports.row'), dataIndex: 'row' },
          { title: t('imports.column'), dataIndex: 'column', render: (column: string | null) => column ?? '' },
          { title: t('imports.code'), dataIndex: 'code', render: (code: string) => wordFor(t, `imports.code.${code}`, code) },
          { title: t('imports.message'), dataIndex: 'message' },
        ]}
      />
    </Card>
  );
}

/** The rows that matched a customer of the ledger or an earlier row: which, by what (never a value), and what the policy did with them. */
function JobDuplicates({ job }: { job: ImportJob }) {
  const { t } = useI18n();
  const duplicates = useLoad(useCallback(() => api.get<{ items: ImportDuplicate[] }>(`/v1/imports/${job.jobId}/duplicates`, { query: { limit: 100 } }), [job.jobId]));
  if (job.rows.duplicates === 0) return null;
  return (
    <Card title={t('imports.duplicatesTitle', { count: job.rows.duplicates })} data-testid={job.dryRun ? 'dry-run-duplicates' : 'import-duplicates'} style={{ marginTop: 16 }}>
      <LoadError error={duplicates.error} />
      <Table<ImportDuplicate>
        rowKey="row"
        size="small"
        dataSource={duplicates.data?.items ?? []}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        scroll={{ x: true }}
        columns={[
          { title: t('imports.row'), dataIndex: 'row' },
          {
            title: t('imports.matchedWith'),
            key: 'match',
            render: (_, { match }) =>
              typeof match.sourceRow === 'number' ? (
                t('imports.sourceRow', { row: match.sourceRow })
              ) : (
                <Link to={`/customers/${match.subjectId}`}>{match.customerNumber ?? t('imports.aCustomer')}</Link>
              ),
          },
          { title: t('imports.reasons'), key: 'reasons', render: (_, { match }) => match.reasons.map((reason) => wordFor(t, `imports.reason.${reason}`, reason)).join('、') },
          { title: t('imports.outcome'), dataIndex: 'outcome', render: (outcome: string) => wordFor(t, `imports.outcome.${outcome}`, outcome) },
        ]}
      />
    </Card>
  );
}

/** Rows read, imported, refused, duplicates, the rate and what is left: of a dry run or the import itself. */
function JobProgress({ job, onCancel }: { job: ImportJob; onCancel?: () => void }) {
  const { t } = useI18n();
  const { rows, progress } = job;
  const fraction = rows.total ? rows.read / rows.total : progress.fileBytes > 0 ? progress.bytesRead / progress.fileBytes : 0;
  const ended = ENDED.includes(job.state);
  return (
    <Card data-testid={job.dryRun ? 'dry-run' : 'import-progress'} title={t(job.dryRun ? 'imports.dryRunTitle' : 'imports.progressTitle')}>
      <Progress
        percent={job.state === 'completed' ? 100 : Math.floor(fraction * 100)}
        status={job.state === 'failed' ? 'exception' : job.state === 'completed' ? 'success' : ended ? 'normal' : 'active'}
        aria-label={t(job.dryRun ? 'imports.dryRunTitle' : 'imports.progressTitle')}
      />
      <Space wrap size="large" style={{ marginTop: 12 }} role="status">
        <Tag color={job.state === 'completed' ? 'green' : job.state === 'failed' ? 'red' : 'blue'}>{wordFor(t, `imports.state.${job.state}`, job.state)}</Tag>
        <Statistic title={t('imports.rowsRead')} value={rows.total ? `${rows.read} / ${rows.total}` : rows.read} />
        <Statistic title={t(job.dryRun ? 'imports.wouldImport' : 'imports.imported')} value={rows.imported + rows.updated} />
        <Statistic title={t('imports.refused')} value={rows.refused} />
        <Statistic title={t('imports.duplicates')} value={rows.duplicates} />
        {!ended && <Statistic title={t('imports.rate')} value={job.rowsPerSecond ?? '—'} suffix={t('imports.perSecond')} />}
        {!ended && <Statistic title={t('imports.eta')} value={job.etaSeconds ?? '—'} suffix={t('imports.seconds')} />}
      </Space>
      {job.failure && <Alert type="error" showIcon title={t('imports.failed')} description={job.failure} style={{ marginTop: 12 }} />}
      {!ended && onCancel && (
        <Popconfirm title={t('imports.cancelExplain')} okText={t('imports.cancel')} cancelText={t('admin.cancel')} onConfirm={onCancel}>
          <Button danger style={{ marginTop: 12 }}>
            {t('imports.cancel')}
          </Button>
        </Popconfirm>
      )}
    </Card>
  );
}

/**
 * The customer import: the file and the lawful basis every row is registered under (purpose, the notice
 * shown, the channel the consents were given through), a dry run that checks every row and names the
 * columns it did not recognise (each mapped to a template column or ignored), then the import itself,
 * followed live, cancellable, with the refused rows' report to download.
 */
export default function ImportWizardPage() {
  const { t, lang } = useI18n();
  const run = useRun();
  const [form] = Form.useForm<Settings>();
  const purposes = useLoad(useCallback(() => api.get<RegistryPurpose[]>('/v1/purposes'), []));
  const notices = useLoad(useCallback(() => api.get<NoticeSummary[]>('/v1/notices'), []));
  const headers = useLoad(useCallback(() => templateHeaders(), []));
  const [file, setFile] = useState<File | undefined>();
  const [mapping, setMapping] = useState<Record<string, string | null>>({});
  const [dryRunId, setDryRunId] = useState<string | undefined>();
  const [importId, setImportId] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [sending, setSending] = useState(false);
  const dry = useJob(dryRunId);
  const real = useJob(importId);
  const purposeId = Form.useWatch('purposeId', form);
  const noticeOptions = (notices.data ?? []).filter((n) => !purposeId || n.purposeIds.includes(purposeId)).map((n) => ({ value: n.version, label: n.version }));

  const send = async (dryRun: boolean) => {
    const settings = await form.validateFields().catch(() => undefined);
    if (!settings || !file) {
      if (!file) setError(t('imports.needFile'));
      return;
    }
    setSending(true);
    setError(undefined);
    try {
      const body = new FormData();
      body.append('file', file, file.name);
      for (const [name, value] of Object.entries({ ...settings, dryRun: String(dryRun), mapping: JSON.stringify(mapping) })) body.append(name, value);
      const job = (await (await authorizedFetch('/v1/imports', { method: 'POST', body })).json()) as ImportJob;
      if (dryRun) setDryRunId(job.jobId);
      else setImportId(job.jobId);
    } catch (caught) {
      setError(describeError(caught, lang));
    } finally {
      setSending(false);
    }
  };
  const dryJob = dry.job;
  const dryDone = dryJob && ENDED.includes(dryJob.state);
  const step = importId ? 2 : dryDone ? 1 : 0;
  const reset = () => {
    setDryRunId(undefined);
    setImportId(undefined);
  };

  return (
    <>
      <Typography.Title level={2}>{t('menu.imports')}</Typography.Title>
      <Steps
        current={step}
        status={real.job?.state === 'failed' ? 'error' : real.job && ENDED.includes(real.job.state) ? 'finish' : 'process'}
        style={{ marginBottom: 24 }}
        items={[{ title: t('imports.step.file') }, { title: t('imports.step.check') }, { title: t('imports.step.import') }]}
      />
      <LoadError error={purposes.error ?? notices.error ?? headers.error ?? error ?? dry.error ?? real.error} />
      <Card title={t('imports.step.file')}>
        <Typography.Paragraph type="secondary">{t('imports.explain')}</Typography.Paragraph>
        <Button style={{ marginBottom: 16 }} onClick={() => void run(() => downloadTemplate())}>
          {t('imports.downloadTemplate')}
        </Button>
        <Form<Settings>
          form={form}
          layout="vertical"
          initialValues={{ channel: 'import', onDuplicate: 'skip' }}
          disabled={!!importId}
          onValuesChange={() => setDryRunId(undefined)}
        >
          <Form.Item label={t('imports.file')} required>
            <Upload.Dragger
              accept=".csv,.xlsx"
              maxCount={1}
              beforeUpload={(chosen) => {
                setFile(chosen);
                setMapping({});
                setDryRunId(undefined);
                return false;
              }}
              onRemove={() => setFile(undefined)}
              fileList={file ? [{ uid: 'file', name: file.name, status: 'done' }] : []}
            >
              <p>{t('imports.drop')}</p>
            </Upload.Dragger>
          </Form.Item>
          <Space wrap align="start" size="large">
            <Form.Item name="purposeId" label={t('imports.purpose')} rules={[{ required: true, message: t('imports.needPurpose') }]}>
              <Select
                style={{ width: 260 }}
                aria-label={t('imports.purpose')}
                options={(purposes.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
                onChange={() => form.setFieldValue('noticeVersion', undefined)}
              />
            </Form.Item>
            <Form.Item name="noticeVersion" label={t('imports.notice')} rules={[{ required: true, message: t('imports.needNotice') }]}>
              <Select style={{ width: 160 }} aria-label={t('imports.notice')} options={noticeOptions} />
            </Form.Item>
            <Form.Item name="channel" label={t('imports.channel')} extra={t('imports.channelHint')} rules={[{ required: true, max: 64 }]}>
              <Input style={{ width: 200 }} />
            </Form.Item>
            <Form.Item name="onDuplicate" label={t('imports.onDuplicate')}>
              <Select
                style={{ width: 220 }}
                aria-label={t('imports.onDuplicate')}
                options={(['skip', 'update', 'create-and-flag'] as const).map((value) => ({ value, label: t(`imports.duplicate.${value}`) }))}
              />
            </Form.Item>
          </Space>
          <Typography.Paragraph type="secondary">{t('imports.evidenceExplain')}</Typography.Paragraph>
        </Form>
        <Space>
          <Button type={dryDone ? 'default' : 'primary'} onClick={() => void send(true)} loading={sending && !dryDone} disabled={!!importId || (!!dryRunId && !dryDone)}>
            {t(dryDone ? 'imports.dryRunAgain' : 'imports.dryRun')}
          </Button>
        </Space>
      </Card>
      {dryJob && (
        <div style={{ marginTop: 16 }}>
          <JobProgress job={dryJob} />
          {dryDone && (dryJob.unknownColumns.length > 0 || Object.keys(mapping).length > 0) && (
            <Card title={t('imports.mapping')} style={{ marginTop: 16 }} data-testid="column-mapping">
              <Typography.Paragraph type="secondary">{t('imports.mappingExplain')}</Typography.Paragraph>
              <Descriptions column={1} bordered size="small">
                {[...new Set([...dryJob.unknownColumns, ...Object.keys(mapping)])].map((header) => (
                  <Descriptions.Item key={header} label={header}>
                    <Select
                      style={{ width: 220 }}
                      disabled={!!importId}
                      aria-label={t('imports.mapColumn', { header })}
                      value={header in mapping ? (mapping[header] ?? IGNORE) : undefined}
                      placeholder={t('imports.notImported')}
                      options={[{ value: IGNORE, label: t('imports.ignore') }, ...(headers.data ?? []).map((h) => ({ value: h, label: h }))]}
                      onChange={(target: string) => setMapping((current) => ({ ...current, [header]: target === IGNORE ? null : target }))}
                    />
                  </Descriptions.Item>
                ))}
              </Descriptions>
            </Card>
          )}
          {dryDone && !importId && <JobProblems job={dryJob} />}
          {dryDone && !importId && <JobDuplicates job={dryJob} />}
          {dryDone && !importId && (
            <Card style={{ marginTop: 16 }}>
              <Space wrap>
                <Button type="primary" onClick={() => void send(false)} loading={sending} disabled={dryJob.state !== 'completed'}>
                  {t('imports.start')}
                </Button>
                <Typography.Text type="secondary">{t('imports.startExplain')}</Typography.Text>
              </Space>
            </Card>
          )}
        </div>
      )}
      {real.job && (
        <div style={{ marginTop: 16 }}>
          <JobProgress job={real.job} onCancel={() => void run(() => api.request(`/v1/imports/${importId}/cancel`, { method: 'POST' }), t('imports.cancelling'))} />
          {ENDED.includes(real.job.state) && (
            <>
              <JobProblems job={real.job} />
              <JobDuplicates job={real.job} />
              <Button style={{ marginTop: 16 }} onClick={reset}>
                {t('imports.another')}
              </Button>
            </>
          )}
        </div>
      )}
    </>
  );
}
