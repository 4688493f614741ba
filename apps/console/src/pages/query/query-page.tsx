import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { Alert, App, Button, Card, Form, Input, Modal, Radio, Select, Space, Table, Tag, Typography } from 'antd';
import { api, ApiProblem } from '../../api/api-client';
import type { Purpose } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel, statusLabel } from '../../i18n/labels';
import { usePurpose } from '../../session/purpose';
import { useMyCategories } from '../../session/permissions';
import { useSession } from '../../session/session';
import { ConditionRowEditor, type FieldChoice } from './condition-row';
import { SavedQueries } from './saved-queries';
import { queryFieldLabel, queryValueLabel } from './query-labels';
import {
  complete,
  newRow,
  partOf,
  placeOf,
  rowsOf,
  whereOf,
  type ConditionRow,
  type CustomerFacts,
  type Junction,
  type QueriedCustomer,
  type QueryDefinition,
  type QueryField,
  type SavedQuery,
  type SortChoice,
} from './query-model';

interface Builder {
  rows: ConditionRow[];
  junction: Junction;
  sort?: SortChoice;
  pageSize: number;
}

interface Results {
  definition: QueryDefinition;
  items: QueriedCustomer[];
  nextCursor: string | null;
}

interface Problems {
  rows: Record<number, string>;
  sort?: string;
  general?: string;
}

const fresh = (): { builder: Builder; results?: Results; nested?: boolean; purposeId?: string } => ({ builder: { rows: [newRow()], junction: 'and', pageSize: 20 } });
// the builder and the last results, in this page's memory only: back from a customer's file, they are still here; gone at sign-out
let remembered = fresh();
api.onTokenChange(() => {
  if (!api.signedIn) remembered = fresh();
});

const FACT_COLUMNS: (keyof CustomerFacts)[] = ['age', 'divisionCode', 'lastCheckupDate', 'lastServiceDate', 'openComplaints', 'lastSurveyScore', 'orderCount', 'orderTotal', 'rfm'];

/**
 * The combined customer query (issue #16 over the API of docs/api.md): conditions from the field catalogue joined
 * by all-of or any-of, each negatable, a sort, keyset pages; masked results linking to the file by id; queries
 * saved for the department. Fields the person's roles or the chosen purpose do not cover are offered disabled,
 * and a refusal is shown beside the row it concerns.
 */
export default function QueryPage() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const { user } = useSession();
  const mine = useMyCategories();
  // results read under another purpose are not shown under this one
  if (remembered.purposeId !== purpose?.id) remembered = { builder: remembered.builder, purposeId: purpose?.id };
  const [catalogue, setCatalogue] = useState<QueryField[] | undefined>();
  const [purposes, setPurposes] = useState<Purpose[]>([]);
  const [builder, setBuilderState] = useState<Builder>(remembered.builder);
  const [results, setResultsState] = useState<Results | undefined>(remembered.results);
  const [nested, setNested] = useState(remembered.nested ?? false);
  const [problems, setProblems] = useState<Problems>({ rows: {} });
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<SavedQuery[] | undefined>();
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<{ name: string }>();

  const setBuilder = (next: Builder) => {
    remembered = { ...remembered, builder: next };
    setBuilderState(next);
  };
  const setResults = (next: Results | undefined, isNested = false) => {
    remembered = { ...remembered, results: next, nested: isNested };
    setResultsState(next);
    setNested(isNested);
  };

  useEffect(() => {
    api
      .get<{ fields: QueryField[] }>('/v1/subjects/query/fields')
      .then((answer) => setCatalogue(answer.fields))
      .catch((caught: unknown) => setProblems({ rows: {}, general: describeError(caught, lang) }));
    api
      .get<Purpose[]>('/v1/purposes')
      .then(setPurposes)
      .catch(() => setPurposes([]));
  }, [lang]);

  const loadSaved = useCallback(() => {
    api
      .get<{ items: SavedQuery[] }>('/v1/saved-queries')
      .then((answer) => setSaved(answer.items))
      .catch(() => setSaved([]));
  }, []);
  useEffect(loadSaved, [loadSaved]);

  // a field is usable when it reads no category, or both the person's roles and the purpose cover its category
  const fields: FieldChoice[] = useMemo(
    () =>
      (catalogue ?? []).map((field) => ({
        field,
        permitted: field.category === null || (!!mine?.read.includes(field.category) && !!purpose?.categories.includes(field.category)),
      })),
    [catalogue, mine, purpose],
  );

  const explain = (caught: unknown, definition: QueryDefinition): Problems => {
    if (!(caught instanceof ApiProblem) || !caught.problem.errors?.length) return { rows: {}, general: describeError(caught, lang) };
    const { problem } = caught;
    const found: Problems = { rows: {} };
    for (const { path } of problem.errors ?? []) {
      let text: string;
      if (problem.code === 'category-not-permitted' && typeof problem.category === 'string' && purpose && !purpose.categories.includes(problem.category)) {
        text = t('query.rowRefused.purpose', { purpose: purpose.name, category: categoryLabel(problem.category, lang) });
      } else if (problem.code === 'validation-failed') {
        const part = partOf(path);
        text = t(part === 'field' ? 'query.rowRefused.field' : part === 'op' ? 'query.rowRefused.op' : part === 'period' ? 'query.rowRefused.period' : 'query.rowRefused.value');
      } else {
        text = describeError(caught, lang);
      }
      const place = definition.where ? placeOf(path) : path.startsWith('sort') ? { sort: true as const } : undefined;
      if (place && 'row' in place && !nestedOf(definition)) found.rows[place.row] = text;
      else if (place && 'sort' in place) found.sort = text;
      else found.general = text;
    }
    return found;
  };

  const run = async (definition: QueryDefinition, cursor?: string, isNested = false) => {
    setBusy(true);
    setProblems({ rows: {} });
    try {
      // the conditions (names, terms, conditions of health) travel in the body: never in a URL
      const body = { ...definition, limit: builder.pageSize, ...(cursor ? { cursor } : {}) };
      const { data } = await api.request<{ items: QueriedCustomer[]; nextCursor: string | null }>('/v1/subjects/query', { method: 'POST', read: true, personalData: true, body });
      setResults({ definition, items: cursor && results ? [...results.items, ...data.items] : data.items, nextCursor: data.nextCursor }, isNested);
    } catch (caught) {
      if (!cursor) setResults(undefined, isNested);
      setProblems(explain(caught, definition));
    } finally {
      setBusy(false);
    }
  };

  const current = (): QueryDefinition | undefined => {
    const incomplete = Object.fromEntries(builder.rows.flatMap((row, index) => (complete(row) ? [] : [[index, t('query.incomplete')]])));
    if (Object.keys(incomplete).length > 0) {
      setProblems({ rows: incomplete });
      return undefined;
    }
    const where = whereOf(builder.rows, builder.junction);
    return { ...(where ? { where } : {}), ...(builder.sort ? { sort: [builder.sort] } : {}) };
  };

  const runSaved = (query: SavedQuery) => {
    const shown = rowsOf(query.definition.where);
    setBuilder({ ...builder, rows: shown?.rows ?? [], junction: shown?.junction ?? 'and', sort: query.definition.sort?.[0] });
    void run(query.definition, undefined, shown === undefined);
  };

  const save = async ({ name }: { name: string }) => {
    const definition = current();
    if (!definition) return setSaving(false);
    try {
      await api.request('/v1/saved-queries', { method: 'POST', body: { name: name.trim(), ...definition } });
      void message.success(t('query.saved', { name: name.trim() }));
      setSaving(false);
      form.resetFields();
      loadSaved();
    } catch (caught) {
      setSaving(false);
      setProblems(explain(caught, definition));
    }
  };

  const remove = async (query: SavedQuery) => {
    try {
      await api.request(`/v1/saved-queries/${query.queryId}`, { method: 'DELETE' });
      void message.success(t('query.deleted', { name: query.name }));
      loadSaved();
    } catch (caught) {
      setProblems({ rows: {}, general: describeError(caught, lang) });
    }
  };

  const updateRow = (index: number, row: ConditionRow) => setBuilder({ ...builder, rows: builder.rows.map((old, i) => (i === index ? row : old)) });
  const sortable = fields.filter((choice) => choice.field.sortable);
  const shownFacts = FACT_COLUMNS.filter((fact) => results?.items.some((item) => fact in item.facts));

  return (
    <>
      <Typography.Title level={2}>{t('query.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('query.explain')}</Typography.Paragraph>
      <Card title={t('query.conditions')}>
        <Space wrap style={{ marginBottom: 8 }}>
          <span id="query-junction">{t('query.match')}</span>
          <Radio.Group aria-labelledby="query-junction" value={builder.junction} onChange={(event) => setBuilder({ ...builder, junction: event.target.value as Junction })}>
            <Radio.Button value="and">{t('query.all')}</Radio.Button>
            <Radio.Button value="or">{t('query.any')}</Radio.Button>
          </Radio.Group>
        </Space>
        {builder.rows.map((row, index) => (
          <ConditionRowEditor
            key={row.key}
            index={index}
            row={row}
            fields={fields}
            purposes={purposes}
            error={problems.rows[index]}
            onChange={(next) => updateRow(index, next)}
            onRemove={() => setBuilder({ ...builder, rows: builder.rows.filter((_, i) => i !== index) })}
          />
        ))}
        <Button style={{ marginTop: 8 }} onClick={() => setBuilder({ ...builder, rows: [...builder.rows, newRow()] })}>
          {t('query.addRow')}
        </Button>
        <div style={{ marginTop: 16 }}>
          <Space wrap>
            <span>{t('query.sort')}</span>
            <Select
              aria-label={t('query.sort')}
              style={{ width: 220 }}
              showSearch={{ optionFilterProp: 'label' }}
              status={problems.sort ? 'error' : undefined}
              value={builder.sort?.field ?? ''}
              onChange={(field: string) => setBuilder({ ...builder, sort: field ? { field, dir: builder.sort?.dir ?? 'asc' } : undefined })}
              options={[
                { value: '', label: t('query.sortNone') },
                ...sortable.map(({ field, permitted }) => ({
                  value: field.name,
                  label: permitted ? queryFieldLabel(field.name, lang) : `${queryFieldLabel(field.name, lang)} ${t('query.notPermitted')}`,
                  disabled: !permitted,
                })),
              ]}
            />
            <Radio.Group
              aria-label={t('query.sortDir')}
              disabled={!builder.sort}
              value={builder.sort?.dir ?? 'asc'}
              onChange={(event) => builder.sort && setBuilder({ ...builder, sort: { ...builder.sort, dir: event.target.value as 'asc' | 'desc' } })}
            >
              <Radio value="asc">{t('query.asc')}</Radio>
              <Radio value="desc">{t('query.desc')}</Radio>
            </Radio.Group>
            <span>{t('query.pageSize')}</span>
            <Select
              aria-label={t('query.pageSize')}
              style={{ width: 90 }}
              value={builder.pageSize}
              onChange={(pageSize: number) => setBuilder({ ...builder, pageSize })}
              options={[10, 20, 50, 100].map((n) => ({ value: n, label: String(n) }))}
            />
          </Space>
          {problems.sort && <Alert type="error" showIcon title={problems.sort} role="alert" style={{ marginTop: 8 }} />}
        </div>
        <Space wrap style={{ marginTop: 16 }}>
          <Button
            type="primary"
            loading={busy}
            disabled={!catalogue}
            onClick={() => {
              const definition = current();
              if (definition) void run(definition);
            }}
          >
            {t('query.run')}
          </Button>
          <Button onClick={() => setSaving(true)} disabled={!catalogue}>
            {t('query.save')}
          </Button>
          <Button
            onClick={() => {
              setBuilder({ ...builder, rows: [newRow()], sort: undefined });
              setProblems({ rows: {} });
            }}
          >
            {t('query.reset')}
          </Button>
        </Space>
      </Card>
      {problems.general && <Alert type="error" showIcon title={problems.general} role="alert" style={{ marginTop: 16 }} />}
      {nested && <Alert type="info" showIcon title={t('query.nested')} style={{ marginTop: 16 }} />}
      {results && (
        <Card style={{ marginTop: 16 }} title={t('query.results', { count: results.items.length })}>
          <Table<QueriedCustomer>
            rowKey="subjectId"
            dataSource={results.items}
            pagination={false}
            scroll={{ x: true }}
            locale={{ emptyText: <Typography.Text type="secondary">{t('query.none')}</Typography.Text> }}
            columns={[
              { title: t('query.number'), dataIndex: 'customerNumber' },
              {
                title: t('field.name'),
                dataIndex: 'name',
                // the file's address carries the id only
                render: (name: string | undefined, row) => <Link to={`/customers/${row.subjectId}`}>{name ?? t('search.noName')}</Link>,
              },
              { title: t('field.phone'), dataIndex: 'phone' },
              { title: queryFieldLabel('tier', lang), dataIndex: 'tier', render: (tier?: string) => tier && queryValueLabel('tier', tier, lang) },
              {
                title: t('field.status'),
                dataIndex: 'status',
                render: (status: string) => <Tag color={status === 'active' ? 'green' : 'orange'}>{statusLabel(status, lang)}</Tag>,
              },
              ...shownFacts.map((fact) => ({
                title: queryFieldLabel(fact, lang),
                key: fact,
                render: (_: unknown, row: QueriedCustomer) => factText(row.facts, fact, lang, t),
              })),
            ]}
          />
          {results.nextCursor && (
            <Button style={{ marginTop: 8 }} loading={busy} onClick={() => void run(results.definition, results.nextCursor ?? undefined, nested)}>
              {t('query.more')}
            </Button>
          )}
        </Card>
      )}
      <SavedQueries items={saved} me={user?.id} busy={busy} onRun={runSaved} onDelete={(query) => void remove(query)} />
      <Modal
        open={saving}
        title={t('query.saveTitle')}
        okText={t('form.confirm')}
        cancelText={t('form.cancel')}
        onCancel={() => setSaving(false)}
        onOk={() => form.submit()}
        forceRender
      >
        <Form form={form} layout="vertical" onFinish={(values) => void save(values)}>
          <Form.Item name="name" label={t('query.saveName')} extra={t('query.saveNameHint')} rules={[{ required: true, whitespace: true, max: 100, message: t('form.required') }]}>
            <Input autoComplete="off" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

function nestedOf(definition: QueryDefinition): boolean {
  return rowsOf(definition.where) === undefined;
}

function factText(facts: CustomerFacts, fact: keyof CustomerFacts, lang: 'zh' | 'en', t: ReturnType<typeof useI18n>['t']): string {
  const value = facts[fact];
  if (value === undefined || value === null) return '—';
  if (fact === 'orderTotal') return t('query.yuan', { amount: ((value as number) / 100).toFixed(2) });
  if (typeof value === 'object') return `${queryValueLabel('rfmSegment', value.segment, lang)} · ${value.score}`;
  return String(value);
}
