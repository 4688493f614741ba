import { useState } from 'react';
import { Alert, Button, Form, Input, Modal, Select, Space, Table, Typography } from 'antd';
import { api, ApiProblem, type BreakGlass } from '../../api/api-client';
import type { CategoryInfo, Profile } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel, fieldLabel } from '../../i18n/labels';
import { FieldValue } from './field-value';

const MASKED = /\*{3,}/;

interface Props {
  profile: Profile;
  category: CategoryInfo;
  purposeId: string;
  breakGlass?: BreakGlass;
  onClose: (changed: boolean) => void;
}

type Kind = 'text' | 'tags' | 'json';

function kindOf(category: CategoryInfo, field: string, value: unknown): Kind {
  if (category.listFields.includes(field)) return Array.isArray(value) && value.some((item) => typeof item === 'object') ? 'json' : 'tags';
  if (value !== undefined && value !== null && typeof value === 'object') return 'json';
  return field === 'address' || field === 'lifestyle' ? 'json' : 'text';
}

function formValue(kind: Kind, value: unknown): unknown {
  if (value === undefined || value === null) return kind === 'tags' ? [] : undefined;
  if (kind === 'json') return JSON.stringify(value, null, 1);
  if (typeof value === 'string' && MASKED.test(value)) return undefined; // a masked value is never sent back
  return value;
}

/**
 * Edits one category of a customer file. Only the fields changed are sent, with If-Match: the
 * version the form was filled on. When someone else changed the file meanwhile (412), a conflict
 * screen shows their values beside these, and nothing is saved until the person decides.
 */
export function CategoryEditor({ profile, category, purposeId, breakGlass, onClose }: Props) {
  const { t, lang } = useI18n();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState<{ set: Record<string, unknown>; reason: string; latest: Profile } | undefined>();
  const current = profile.data[category.name] ?? {};
  const kinds = Object.fromEntries(category.fields.map((field) => [field, kindOf(category, field, current[field])])) as Record<string, Kind>;
  const initial = Object.fromEntries(category.fields.map((field) => [field, formValue(kinds[field], current[field])]));

  const changes = (values: Record<string, unknown>): Record<string, unknown> => {
    const set: Record<string, unknown> = {};
    for (const field of category.fields) {
      const before = initial[field];
      const after = values[field];
      if (JSON.stringify(before ?? null) === JSON.stringify(after ?? null)) continue;
      const masked = typeof current[field] === 'string' && MASKED.test(current[field]);
      if (masked && (after === undefined || after === '')) continue; // left as it was
      if (after === undefined || after === '' || (Array.isArray(after) && after.length === 0)) set[field] = null;
      else if (kinds[field] === 'json') set[field] = JSON.parse(after as string);
      else set[field] = typeof after === 'string' ? after.trim() : after;
    }
    return set;
  };

  const save = async (set: Record<string, unknown>, reason: string, version: number) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.request(`/v1/subjects/${profile.subjectId}/data/${category.name}`, {
        method: 'PATCH',
        body: { set, reason, purposeId },
        ifMatch: version,
        personalData: true,
        breakGlass,
      });
      onClose(true);
    } catch (caught) {
      if (caught instanceof ApiProblem && caught.code === 'precondition-failed') {
        const latest = await api.get<Profile>(`/v1/subjects/${profile.subjectId}`, { personalData: true, breakGlass });
        setConflict({ set, reason, latest });
      } else {
        setError(describeError(caught, lang));
      }
    } finally {
      setBusy(false);
    }
  };

  const submit = (values: Record<string, unknown> & { reason: string }) => {
    let set: Record<string, unknown>;
    try {
      set = changes(values);
    } catch {
      setError(t('edit.badJson'));
      return;
    }
    if (Object.keys(set).length === 0) {
      setError(t('edit.nothing'));
      return;
    }
    void save(set, values.reason, profile.version);
  };

  if (conflict) {
    const theirs = conflict.latest.data[category.name] ?? {};
    return (
      <Modal open title={t('conflict.title')} onCancel={() => onClose(true)} footer={null} width={720}>
        <Alert type="warning" showIcon title={t('conflict.explain', { mine: profile.version, theirs: conflict.latest.version })} style={{ marginBottom: 16 }} />
        <Table
          rowKey="field"
          pagination={false}
          size="small"
          dataSource={Object.keys(conflict.set).map((field) => ({ field, mine: conflict.set[field], theirs: theirs[field], before: current[field] }))}
          columns={[
            { title: t('conflict.field'), dataIndex: 'field', render: (field: string) => fieldLabel(field, lang) },
            { title: t('conflict.before'), dataIndex: 'before', render: (value: unknown) => <FieldValue value={value} /> },
            { title: t('conflict.theirs'), dataIndex: 'theirs', render: (value: unknown) => <FieldValue value={value} /> },
            { title: t('conflict.mine'), dataIndex: 'mine', render: (value: unknown) => <FieldValue value={value} /> },
          ]}
        />
        {error && <Alert type="error" showIcon title={error} style={{ marginTop: 16 }} role="alert" />}
        <Space style={{ marginTop: 16 }} wrap>
          <Button type="primary" loading={busy} onClick={() => void save(conflict.set, conflict.reason, conflict.latest.version)}>
            {t('conflict.applyMine')}
          </Button>
          <Button onClick={() => onClose(true)}>{t('conflict.keepTheirs')}</Button>
        </Space>
      </Modal>
    );
  }

  return (
    <Modal open title={t('edit.title', { category: categoryLabel(category.name, lang) })} onCancel={() => onClose(false)} footer={null} width={640}>
      <Form layout="vertical" initialValues={{ ...initial, reason: 'update' }} onFinish={submit}>
        {category.fields.map((field) => {
          const masked = typeof current[field] === 'string' && MASKED.test(current[field]);
          return (
            <Form.Item key={field} name={field} label={fieldLabel(field, lang)} extra={masked ? t('edit.maskedHint') : undefined}>
              {kinds[field] === 'tags' ? (
                <Select mode="tags" open={false} aria-label={fieldLabel(field, lang)} />
              ) : kinds[field] === 'json' ? (
                <Input.TextArea rows={3} />
              ) : (
                <Input placeholder={masked ? String(current[field]) : undefined} autoComplete="off" />
              )}
            </Form.Item>
          );
        })}
        <Form.Item name="reason" label={t('edit.reason')}>
          <Select
            aria-label={t('edit.reason')}
            options={['update', 'correction', 'supplement'].map((value) => ({ value, label: t(`edit.reason.${value}` as 'edit.reason.update') }))}
          />
        </Form.Item>
        <Typography.Paragraph type="secondary">{t('edit.version', { version: profile.version })}</Typography.Paragraph>
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} role="alert" />}
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('edit.save')}
        </Button>
      </Form>
    </Modal>
  );
}
