import { useState } from 'react';
import { Alert, Button, Card, Checkbox, Col, Form, Input, Radio, Row, Select, Typography } from 'antd';
import { api } from '../../api/api-client';
import { describeError } from '../../api/problem-messages';
import { saveFile } from '../../api/save-file';
import { useI18n } from '../../i18n/i18n';
import '../../i18n/admin-words'; // this page's words, loaded with it
import type { MessageKey } from '../../i18n/messages';
import { categoryLabel } from '../../i18n/labels';
import { usePurpose } from '../../session/purpose';
import { useMyCategories } from '../../session/permissions';
import { queryFieldLabel, queryValueLabel } from '../query/query-labels';
import { takeHandedConditions } from './export-handoff';
import { MASKED_CATEGORIES } from '../customers/reveal-dialog';
import { searchConditions } from '../customers/search-conditions';
import { CUSTOMER_TIERS, CUSTOMER_TYPES } from '../../../../../libs/ledger-domain/src/subject/customer-profile';
import { LIFECYCLE_STAGES } from '../../../../../libs/ledger-domain/src/subject/lifecycle';

interface ExportForm {
  name?: string;
  phone?: string;
  idNumber?: string;
  email?: string;
  customerNumber?: string;
  tag?: string;
  status?: string;
  customerType?: string;
  tier?: string;
  lifecycleStage?: string;
  format: 'csv' | 'xlsx';
  encoding: 'utf-8' | 'gb18030';
  reveal: string[];
}

/** The search's conditions (POST /v1/subjects/search) typed in, each as the search page and the combined query name it. */
const TEXT_TERMS: { name: keyof ExportForm; label: MessageKey; inputMode?: 'tel' | 'email' }[] = [
  { name: 'name', label: 'exports.name' },
  { name: 'phone', label: 'field.phone', inputMode: 'tel' },
  { name: 'idNumber', label: 'field.idNumber' },
  { name: 'email', label: 'field.email', inputMode: 'email' },
  { name: 'customerNumber', label: 'exports.customerNumber' },
  { name: 'tag', label: 'exports.tag' },
];
const CHOICES: { name: keyof ExportForm; values: readonly string[] }[] = [
  { name: 'status', values: ['active', 'restricted'] },
  { name: 'customerType', values: CUSTOMER_TYPES },
  { name: 'tier', values: CUSTOMER_TIERS },
  { name: 'lifecycleStage', values: LIFECYCLE_STAGES },
];
const FILTER_FIELDS = [...TEXT_TERMS.map((term) => term.name), ...CHOICES.map((choice) => choice.name)];

/**
 * Bulk export (POST /v1/exports): the customers a search's conditions find, as CSV or Excel, under the
 * chosen purpose; masked unless the person reveals what their roles read and the purpose covers. The
 * conditions travel in the request body and the file comes back as a Blob: nothing personal in a URL.
 * The API records every customer in the file in the access log and the export in the ledger.
 */
export default function ExportPage() {
  const { t, lang } = useI18n();
  const { purpose } = usePurpose();
  const mine = useMyCategories();
  const [form] = Form.useForm<ExportForm>();
  // "export these customers" from the search page: its conditions, typed in already
  const [handed] = useState(takeHandedConditions);
  const format = Form.useWatch('format', form);
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<{ file: string; exportId: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const revealable = MASKED_CATEGORIES.filter((category) => mine?.read.includes(category) && purpose?.categories.includes(category));

  const run = async (values: ExportForm) => {
    const filter = searchConditions(values, FILTER_FIELDS);
    setDone(undefined);
    if (Object.keys(filter).length === 0) return setError(t('search.needTerm'));
    if (!purpose) return;
    setBusy(true);
    setError(undefined);
    try {
      const reveal = values.reveal.filter((category) => revealable.includes(category));
      const body = {
        purposeId: purpose.id,
        filter,
        format: values.format,
        ...(values.format === 'csv' ? { encoding: values.encoding } : {}),
        ...(reveal.length > 0 ? { reveal } : {}),
      };
      const file = await api.download('/v1/exports', { body, personalData: true });
      const name = file.fileName ?? `customers.${values.format}`;
      saveFile(file.blob, name);
      setDone({ file: name, exportId: file.headers.get('x-export-id') ?? '' });
    } catch (caught) {
      setError(describeError(caught, lang));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Typography.Title level={2}>{t('exports.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('exports.explain')}</Typography.Paragraph>
      <Alert type="info" showIcon title={t('exports.traceNote')} style={{ marginBottom: 16 }} />
      <Card>
        <Form<ExportForm> form={form} layout="vertical" initialValues={{ ...handed, format: 'csv', encoding: 'utf-8', reveal: [] }} onFinish={(values) => void run(values)}>
          <Typography.Title level={3} style={{ fontSize: 16 }}>
            {t('exports.filter')}
          </Typography.Title>
          <Row gutter={16}>
            {TEXT_TERMS.map(({ name, label, inputMode }) => (
              <Col key={name} xs={24} md={12} lg={8}>
                <Form.Item name={name} label={t(label)}>
                  <Input autoComplete="off" inputMode={inputMode} />
                </Form.Item>
              </Col>
            ))}
            {CHOICES.map(({ name, values }) => (
              <Col key={name} xs={24} md={12} lg={6}>
                <Form.Item name={name} label={queryFieldLabel(name, lang)}>
                  <Select allowClear aria-label={queryFieldLabel(name, lang)} options={values.map((value) => ({ value, label: queryValueLabel(name, value, lang) }))} />
                </Form.Item>
              </Col>
            ))}
          </Row>
          <Row gutter={16}>
            <Col xs={24} md={12} lg={8}>
              <Form.Item name="format" label={t('exports.format')}>
                <Radio.Group
                  options={[
                    { value: 'csv', label: t('exports.csv') },
                    { value: 'xlsx', label: t('exports.xlsx') },
                  ]}
                />
              </Form.Item>
            </Col>
            {format === 'csv' && (
              <Col xs={24} md={12} lg={8}>
                <Form.Item name="encoding" label={t('exports.encoding')}>
                  <Radio.Group
                    options={[
                      { value: 'utf-8', label: t('exports.utf8') },
                      { value: 'gb18030', label: t('exports.gb18030') },
                    ]}
                  />
                </Form.Item>
              </Col>
            )}
            {revealable.length > 0 && (
              <Col xs={24} md={24} lg={8}>
                <Form.Item name="reveal" label={t('exports.reveal')} extra={t('exports.revealHint')}>
                  <Checkbox.Group options={revealable.map((category) => ({ value: category, label: categoryLabel(category, lang) }))} />
                </Form.Item>
              </Col>
            )}
          </Row>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('exports.submit')}
          </Button>
        </Form>
      </Card>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginTop: 16 }} />}
      {done && <Alert type="success" showIcon role="status" title={t('exports.done', done)} style={{ marginTop: 16 }} />}
    </>
  );
}
