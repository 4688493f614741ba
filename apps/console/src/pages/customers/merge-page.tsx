import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Alert, Button, Card, Col, Modal, Radio, Result, Row, Space, Spin, Table, Tag, Typography } from 'antd';
import { api, ApiProblem } from '../../api/api-client';
import type { CategoryInfo, Profile } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import '../../i18n/admin-words'; // this page's words, loaded with it
import { categoryLabel, DOCUMENT_TYPES, fieldLabel, statusLabel } from '../../i18n/labels';
import type { MessageKey } from '../../i18n/messages';
import { addressText } from './file/contact-tab';
import { usePurpose } from '../../session/purpose';
import { FieldValue } from './field-value';
import { MASKED_CATEGORIES, RevealDialog } from './reveal-dialog';

type Side = 0 | 1;
type File = Profile & { customerNumber?: string | null };

/** Kept whole from one side: the identity document is one unit for the API; contact's lists are masked, so a person chooses the lists, not a number they cannot see. */
const WHOLE = ['contact', 'identity_document'];
/** Contact's reads also show the primary phone and address beside the lists (for older clients): compared as the lists. */
const DERIVED: Record<string, string[]> = { contact: ['phone', 'address'] };
const LETTERS = ['A', 'B'] as const;

/** A value as comparable text: the same value from the API is the same JSON, whatever order its members came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const fieldsOf = (file: File, category: string): Record<string, unknown> => {
  const fields = { ...(file.data[category] ?? {}) };
  for (const derived of DERIVED[category] ?? []) delete fields[derived];
  return fields;
};

/** What a choice is about: a whole category (`contact`) or one field (`identity.birthDate`). */
const choiceKey = (category: string, field?: string) => (field === undefined || WHOLE.includes(category) ? category : `${category}.${field}`);

/** The choice a path of the API's refusal names (`choices.identity.birthDate`, `identity_document.number`). */
function keyOfPath(path: string): string | undefined {
  const [category, field] = path.replace(/^choices\./, '').split('.');
  return category ? choiceKey(category, field) : undefined;
}

/** The items the two files hold differently, as far as the (masked) reads show them. */
function conflictsOf(files: readonly [File, File]): string[] {
  const keys = new Set<string>();
  for (const category of Object.keys(files[0].data)) {
    if (!files[1].data[category]) continue;
    const [mine, theirs] = files.map((file) => fieldsOf(file, category));
    for (const field of Object.keys(mine)) if (field in theirs && canonical(mine[field]) !== canonical(theirs[field])) keys.add(choiceKey(category, field));
  }
  return [...keys];
}

/**
 * Merge two customer files (POST /v1/subjects/{survivorId}/merge), opened from a pair of possible
 * duplicates: both files side by side, masked (shown in full only through the reveal, under the purpose,
 * recorded), which file stays, per item the two hold differently which value stays, a confirmation that
 * says it cannot be undone, then the file that stayed. A refusal (two different ID numbers, a legal hold,
 * an erasure asked for) is said in words; values the masking hides that the API says differ are asked for.
 */
export default function MergePage() {
  const { first = '', second = '' } = useParams();
  const { t, lang } = useI18n();
  const { purpose } = usePurpose();
  const navigate = useNavigate();
  const [files, setFiles] = useState<[File, File] | undefined>();
  const [categories, setCategories] = useState<CategoryInfo[]>([]);
  const [revealed, setRevealed] = useState(false);
  const [askReveal, setAskReveal] = useState(false);
  const [survivor, setSurvivor] = useState<Side | undefined>();
  const [picks, setPicks] = useState<Record<string, Side>>({});
  // items the API named as differing though the masked reads look alike, and items a refusal named
  const [named, setNamed] = useState<string[]>([]);
  const [flagged, setFlagged] = useState<string[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [merged, setMerged] = useState<{ survivorId: string; survivorName: string; duplicateName: string } | undefined>();

  const load = useCallback(
    async (reveal: boolean) => {
      try {
        const read = (id: string) => api.get<File>(`/v1/subjects/${id}`, { personalData: true, query: { reveal: reveal ? MASKED_CATEGORIES.join(',') : undefined } });
        const both = (await Promise.all([read(first), read(second)])) as [File, File];
        setFiles(both);
        // the file opened first stays unless the person chooses otherwise: it has the longer history
        setSurvivor((chosen) => chosen ?? (both[1].createdAt < both[0].createdAt ? 1 : 0));
        setLoadError(undefined);
      } catch (caught) {
        setLoadError(describeError(caught, lang));
      }
    },
    [first, second, lang],
  );

  useEffect(() => {
    void load(false);
    api
      .get<CategoryInfo[]>('/v1/categories')
      .then(setCategories)
      .catch(() => setCategories([]));
  }, [load]);

  const conflicts = useMemo(() => (files ? [...new Set([...conflictsOf(files), ...named])] : []), [files, named]);
  const pending = conflicts.filter((key) => picks[key] === undefined);

  if (loadError) {
    return <Alert type="error" showIcon role="alert" title={t('merge.title')} description={loadError} action={<Link to="/duplicates">{t('merge.back')}</Link>} />;
  }
  if (!files || survivor === undefined) return <Spin style={{ display: 'block', margin: '64px auto' }} />;

  const nameOf = (file: File) => (typeof file.data.identity?.name === 'string' ? file.data.identity.name : t('search.noName'));
  const other = (1 - survivor) as Side;
  // duplicates mostly share a name: the customer number tells the two files apart in the headings, the confirmation and the result
  const labelOf = (file: File) => (file.customerNumber ? `${nameOf(file)}（${file.customerNumber}）` : nameOf(file));
  const fileTitle = (side: Side) => `${t('merge.file', { which: LETTERS[side] })} · ${labelOf(files[side])}`;

  if (merged) {
    return (
      <Result
        status="success"
        title={t('merge.doneTitle')}
        subTitle={t('merge.doneText', { survivor: merged.survivorName, duplicate: merged.duplicateName })}
        extra={[
          <Button key="open" type="primary" onClick={() => void navigate(`/customers/${merged.survivorId}`)}>
            {t('merge.openSurvivor')}
          </Button>,
          <Link key="back" to="/duplicates">
            {t('merge.back')}
          </Link>,
        ]}
      />
    );
  }

  const merge = async () => {
    if (!purpose) return;
    setBusy(true);
    setError(undefined);
    setFlagged([]);
    const choices: Record<string, string | Record<string, string>> = {};
    for (const key of conflicts) {
      const side = picks[key] === survivor ? 'survivor' : 'duplicate';
      const [category, field] = key.split('.');
      if (field === undefined) choices[category] = side;
      else choices[category] = { ...(choices[category] as Record<string, string> | undefined), [field]: side };
    }
    try {
      const { data } = await api.request<{ survivorId: string }>(`/v1/subjects/${files[survivor].subjectId}/merge`, {
        method: 'POST',
        body: { duplicateId: files[other].subjectId, purposeId: purpose.id, choices },
        ifMatch: files[survivor].version,
        personalData: true,
        // read models behind (503 + Retry-After) refuse before anything is written, and a merge done answers 200 again: safe to ask again
        read: true,
      });
      setMerged({ survivorId: data.survivorId, survivorName: labelOf(files[survivor]), duplicateName: labelOf(files[other]) });
    } catch (caught) {
      const paths = caught instanceof ApiProblem ? (caught.problem.errors ?? []).map((item) => keyOfPath(item.path)).filter((key): key is string => !!key) : [];
      if (caught instanceof ApiProblem && caught.code === 'merge-choice-required') setNamed((known) => [...new Set([...known, ...paths])]);
      setFlagged(paths);
      if (caught instanceof ApiProblem && caught.code === 'precondition-failed') {
        setError(t('merge.changed'));
        void load(revealed);
      } else setError(describeError(caught, lang));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  const order = [...categories.map((category) => category.name), ...Object.keys({ ...files[0].data, ...files[1].data })];
  const held = [...new Set(order)].filter((category) => files[0].data[category] || files[1].data[category]);
  const fieldOrder = (category: string) => {
    const known = categories.find((info) => info.name === category)?.fields ?? [];
    const present = Object.keys({ ...fieldsOf(files[0], category), ...fieldsOf(files[1], category) });
    return [...new Set([...known.filter((field) => present.includes(field)), ...present])];
  };
  const state = (key: string, onlyOne: boolean): ReactNode => {
    if (!conflicts.includes(key)) return <Tag>{t(onlyOne ? 'merge.onlyOne' : 'merge.same')}</Tag>;
    const pick = picks[key];
    if (pick === undefined) return <Tag color="orange">{t('merge.choose')}</Tag>;
    return <Tag color="blue">{t('merge.file', { which: LETTERS[pick] })}</Tag>;
  };
  // coded values in the page's language, and contact's lists as the contact tab words them
  const readable = (category: string, field: string, value: unknown): unknown => {
    type Entry = { number?: string; type?: string; primary?: boolean };
    const entries = Array.isArray(value) ? (value as Entry[]) : undefined;
    const tail = (entry: Entry, kind: 'phoneType' | 'addressType') =>
      `${entry.type ? ` · ${t(`contact.${kind}.${entry.type}` as MessageKey)}` : ''}${entry.primary ? ` · ${t('common.primary')}` : ''}`;
    if (category === 'contact' && field === 'phones' && entries) return entries.map((entry) => `${entry.number ?? ''}${tail(entry, 'phoneType')}`);
    if (category === 'contact' && field === 'addresses' && entries)
      return entries.map((entry) => `${addressText(entry as Parameters<typeof addressText>[0])}${tail(entry, 'addressType')}`);
    if (field === 'gender' && (value === 'female' || value === 'male')) return t(`gender.${value}`);
    if (category === 'identity_document' && field === 'type' && typeof value === 'string' && DOCUMENT_TYPES.includes(value)) return t(`document.${value}` as MessageKey);
    return value;
  };
  const choose = (key: string, side: Side) => setPicks((known) => ({ ...known, [key]: side }));
  const maskedHeld = MASKED_CATEGORIES.some((category) => files[0].data[category] || files[1].data[category]);

  interface FieldRow {
    field: string;
    values: [unknown, unknown];
  }
  const section = (category: string) => {
    const whole = WHOLE.includes(category);
    const key = choiceKey(category);
    const rows: FieldRow[] = fieldOrder(category).map((field) => ({ field, values: [fieldsOf(files[0], category)[field], fieldsOf(files[1], category)[field]] }));
    const cell = (side: Side) => (value: unknown, row: FieldRow) => {
      const itemKey = choiceKey(category, row.field);
      const shown = <FieldValue value={readable(category, row.field, value)} />;
      if (whole || !conflicts.includes(itemKey)) return shown;
      return (
        <Radio
          name={itemKey}
          checked={picks[itemKey] === side}
          onChange={() => choose(itemKey, side)}
          aria-label={`${fieldLabel(row.field, lang)}：${t('merge.keepThis')}（${t('merge.file', { which: LETTERS[side] })}）`}
        >
          {shown}
        </Radio>
      );
    };
    return (
      <Card
        key={category}
        size="small"
        data-category={category}
        title={categoryLabel(category, lang)}
        style={{ marginTop: 16, ...(flagged.some((flag) => flag === key || flag.startsWith(`${category}.`)) ? { borderColor: '#cf1322' } : {}) }}
        extra={
          whole && conflicts.includes(key) ? (
            <Radio.Group
              aria-label={`${categoryLabel(category, lang)}：${t('merge.keepWhole')}`}
              value={picks[key]}
              onChange={(event) => choose(key, event.target.value as Side)}
              options={LETTERS.map((letter, side) => ({ value: side, label: t('merge.file', { which: letter }) }))}
            />
          ) : files[0].data[category] && files[1].data[category] ? undefined : (
            <Tag>{t('merge.onlyOne')}</Tag>
          )
        }
      >
        {whole && conflicts.includes(key) && <Typography.Paragraph type="secondary">{t('merge.wholeHint', { category: categoryLabel(category, lang) })}</Typography.Paragraph>}
        <Table<FieldRow>
          rowKey="field"
          size="small"
          pagination={false}
          scroll={{ x: 'max-content' }}
          dataSource={rows}
          rowClassName={(row) => (flagged.includes(choiceKey(category, row.field)) ? 'merge-flagged' : '')}
          columns={[
            { title: t('merge.field'), dataIndex: 'field', width: 140, render: (field: string) => fieldLabel(field, lang) },
            { title: fileTitle(0), key: 'a', render: (_, row) => cell(0)(row.values[0], row) },
            { title: fileTitle(1), key: 'b', render: (_, row) => cell(1)(row.values[1], row) },
            {
              title: '',
              key: 'state',
              width: 120,
              render: (_, row) => (whole ? null : state(choiceKey(category, row.field), row.values[0] === undefined || row.values[1] === undefined)),
            },
          ]}
        />
      </Card>
    );
  };

  return (
    <>
      <Typography.Title level={2}>{t('merge.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('merge.explain')}</Typography.Paragraph>
      <Card>
        <Typography.Text strong id="merge-survivor">
          {t('merge.survivor')}
        </Typography.Text>
        <Row gutter={16} style={{ marginTop: 8 }}>
          {files.map((file, index) => {
            const side = index as Side;
            return (
              <Col key={file.subjectId} xs={24} md={12}>
                <Card size="small" data-testid={`merge-file-${LETTERS[side]}`} style={side === survivor ? { borderColor: '#0b6bcb' } : undefined}>
                  <Radio
                    name="survivor"
                    checked={survivor === side}
                    onChange={() => setSurvivor(side)}
                    aria-describedby="merge-survivor"
                    aria-label={`${t('merge.survivor')}：${fileTitle(side)}`}
                  >
                    <Typography.Text strong>{fileTitle(side)}</Typography.Text>
                  </Radio>
                  <div style={{ marginTop: 8 }}>
                    <Space wrap size={4}>
                      <Tag color={side === survivor ? 'blue' : 'orange'}>{t(side === survivor ? 'merge.survivorTag' : 'merge.duplicateTag')}</Tag>
                      {file.status !== 'active' && <Tag color="orange">{statusLabel(file.status, lang)}</Tag>}
                      <Typography.Text type="secondary">
                        {t('merge.created', { at: new Date(file.createdAt).toLocaleDateString(lang === 'zh' ? 'zh-CN' : 'en-GB') })}
                      </Typography.Text>
                      <Link to={`/customers/${file.subjectId}`}>{t('duplicates.open')}</Link>
                    </Space>
                  </div>
                </Card>
              </Col>
            );
          })}
        </Row>
        {maskedHeld && (
          <Space wrap style={{ marginTop: 12 }}>
            {!revealed && <Button onClick={() => setAskReveal(true)}>{t('file.reveal')}</Button>}
            {revealed && (
              <Button
                onClick={() => {
                  setRevealed(false);
                  void load(false);
                }}
              >
                {t('file.mask')}
              </Button>
            )}
            <Typography.Text type="secondary">{t('merge.maskedHint')}</Typography.Text>
          </Space>
        )}
      </Card>
      {held.map(section)}
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginTop: 16 }} closable onClose={() => setError(undefined)} />}
      {named.length > 0 && pending.some((key) => named.includes(key)) && <Alert type="warning" showIcon title={t('merge.apiNamed')} style={{ marginTop: 16 }} />}
      <Card style={{ marginTop: 16 }}>
        <Space wrap>
          <Button type="primary" danger disabled={pending.length > 0} onClick={() => setConfirming(true)}>
            {t('merge.submit')}
          </Button>
          {pending.length > 0 && <Typography.Text type="secondary">{t('merge.pending', { count: pending.length })}</Typography.Text>}
          <Link to="/duplicates">{t('merge.back')}</Link>
        </Space>
      </Card>
      <Modal
        open={confirming}
        title={t('merge.confirmTitle')}
        okText={t('merge.confirm')}
        okButtonProps={{ danger: true, loading: busy }}
        cancelText={t('form.cancel')}
        onCancel={() => setConfirming(false)}
        onOk={() => void merge()}
      >
        <Alert type="warning" showIcon role="note" title={t('merge.confirmText', { survivor: fileTitle(survivor), duplicate: fileTitle(other) })} />
      </Modal>
      <RevealDialog
        open={askReveal}
        purposeName={purpose?.name ?? ''}
        categories={MASKED_CATEGORIES.filter((category) => files[0].data[category] || files[1].data[category])}
        onCancel={() => setAskReveal(false)}
        onConfirm={() => {
          setAskReveal(false);
          setRevealed(true);
          void load(true);
        }}
      />
    </>
  );
}
