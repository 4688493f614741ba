import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { Alert, App, Button, Card, Checkbox, Col, Divider, Form, Input, Row, Select, Space, Typography } from 'antd';
import { api, ApiProblem } from '../../api/api-client';
import type { CategoryInfo, Purpose } from '../../api/types';
import { describeError } from '../../api/problem-messages';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel, DOCUMENT_TYPES } from '../../i18n/labels';
import { usePurpose } from '../../session/purpose';
import { ageNow, residentIdCheck } from './resident-id';

interface Values {
  purposeId: string;
  noticeVersion: string;
  channel: string;
  noticeShown: boolean;
  name: string;
  gender?: string;
  birthDate?: string;
  documentType: string;
  documentNumber?: string;
  phone?: string;
  email?: string;
  conditions?: string[];
  allergies?: string[];
  consentGeneral?: boolean;
  consentSensitive?: boolean;
  extraPurposes?: string[];
  guardianName?: string;
  guardianRelation?: string;
}

const MINOR_AGE = 14;

/** The data the form collects, by category, leaving out what was not filled in. */
function collectedData(values: Partial<Values>): Record<string, Record<string, unknown>> {
  const data: Record<string, Record<string, unknown>> = {};
  const put = (category: string, field: string, value: unknown) => {
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return;
    (data[category] ??= {})[field] = typeof value === 'string' ? value.trim() : value;
  };
  put('identity', 'name', values.name);
  put('identity', 'gender', values.gender);
  put('identity', 'birthDate', values.birthDate);
  if (values.documentNumber) {
    put('identity_document', 'type', values.documentType);
    put('identity_document', 'number', values.documentNumber.toUpperCase());
  }
  put('contact', 'phone', values.phone);
  put('contact', 'email', values.email);
  put('health', 'conditions', values.conditions);
  put('health', 'allergies', values.allergies);
  return data;
}

/**
 * A walk-in's registration: the notice is shown and acknowledged, the purpose's consent is
 * captured, sensitive categories get a consent of their own, and a child's guardian consents.
 */
export default function RegisterPage() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const { purpose: working } = usePurpose();
  const [form] = Form.useForm<Values>();
  const [purposes, setPurposes] = useState<Purpose[]>([]);
  const [categories, setCategories] = useState<CategoryInfo[]>([]);
  const [notice, setNotice] = useState<{ version: string; content: string } | undefined>();
  const [error, setError] = useState<{ text: string; existingSubjectId?: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const values = Form.useWatch([], form) as Partial<Values> | undefined;

  useEffect(() => {
    void Promise.all([api.get<Purpose[]>('/v1/purposes'), api.get<CategoryInfo[]>('/v1/categories')])
      .then(([loadedPurposes, loadedCategories]) => {
        setPurposes(loadedPurposes);
        setCategories(loadedCategories);
      })
      .catch((caught: unknown) => setError({ text: describeError(caught, lang) }));
  }, [lang]);

  const noticeVersion = values?.noticeVersion;
  useEffect(() => {
    if (!noticeVersion) return;
    const timer = window.setTimeout(() => {
      api
        .get<{ version: string; content: string }>(`/v1/notices/${encodeURIComponent(noticeVersion)}`)
        .then(setNotice)
        .catch(() => setNotice(undefined));
    }, 300);
    return () => window.clearTimeout(timer);
  }, [noticeVersion]);

  const data = useMemo(() => collectedData(values ?? {}), [values]);
  const purpose = purposes.find((item) => item.id === values?.purposeId);
  const sensitive = Object.keys(data).filter((category) => categories.find((item) => item.name === category)?.sensitive);
  const knownBirthDate = /^\d{4}-\d{2}-\d{2}$/.test(values?.birthDate ?? '')
    ? values?.birthDate
    : (() => {
        const check = values?.documentType === 'resident_id' && values.documentNumber ? residentIdCheck(values.documentNumber) : undefined;
        return check?.ok ? check.birthDate : undefined;
      })();
  const minor = knownBirthDate !== undefined && ageNow(knownBirthDate) < MINOR_AGE;
  const outsidePurpose = purpose ? Object.keys(data).filter((category) => !purpose.categories.includes(category)) : [];
  const optional = purposes.filter((item) => item.id !== purpose?.id && item.legalBasis === 'consent');

  const submit = async (submitted: Values) => {
    const all = { ...submitted, ...form.getFieldsValue(true) } as Values;
    const guardian = minor ? { name: all.guardianName!.trim(), relation: all.guardianRelation!.trim() } : undefined;
    const collected = collectedData(all);
    const general = Object.keys(collected).filter((category) => !sensitive.includes(category));
    const consents: { purposeId: string; categories: string[]; separate: boolean; guardian?: typeof guardian }[] = [];
    if (all.consentGeneral && general.length > 0) consents.push({ purposeId: all.purposeId, categories: general, separate: minor, guardian });
    if (all.consentSensitive && sensitive.length > 0) consents.push({ purposeId: all.purposeId, categories: sensitive, separate: true, guardian });
    for (const id of all.extraPurposes ?? []) {
      const extra = purposes.find((item) => item.id === id);
      if (!extra) continue;
      const covered = extra.categories;
      const separate = minor || covered.some((category) => categories.find((item) => item.name === category)?.sensitive);
      consents.push({ purposeId: id, categories: covered, separate, guardian });
    }
    setBusy(true);
    setError(undefined);
    try {
      const { data: created } = await api.request<{ subjectId: string }>('/v1/subjects', {
        method: 'POST',
        body: { purposeId: all.purposeId, noticeVersion: all.noticeVersion, channel: all.channel, consents, data: collected },
      });
      void message.success(t('register.done'));
      void navigate(`/customers/${created.subjectId}`);
    } catch (caught) {
      const existing = caught instanceof ApiProblem && typeof caught.problem.existingSubjectId === 'string' ? caught.problem.existingSubjectId : undefined;
      setError({ text: describeError(caught, lang), existingSubjectId: existing });
    } finally {
      setBusy(false);
    }
  };

  const idCheck = (_: unknown, value: string | undefined) => {
    if (!value || form.getFieldValue('documentType') !== 'resident_id') return Promise.resolve();
    const check = residentIdCheck(value);
    if (check.ok) return Promise.resolve();
    return Promise.reject(new Error(t(`register.id.${check.reason}`)));
  };

  return (
    <>
      <Typography.Title level={2}>{t('register.title')}</Typography.Title>
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={(submitted) => void submit(submitted)}
        initialValues={{ purposeId: working?.id ?? 'health-management', noticeVersion: 'v1', channel: 'front-desk', documentType: 'resident_id' }}
        scrollToFirstError
      >
        <Card title={t('register.notice')}>
          <Row gutter={16}>
            <Col xs={24} md={8}>
              <Form.Item name="purposeId" label={t('register.purpose')} rules={[{ required: true, message: t('form.required') }]}>
                <Select options={purposes.map((item) => ({ value: item.id, label: item.name }))} aria-label={t('register.purpose')} />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="noticeVersion" label={t('register.noticeVersion')} rules={[{ required: true, message: t('form.required') }]}>
                <Input />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="channel" label={t('register.channel')}>
                <Select
                  options={['front-desk', 'phone', 'app'].map((value) => ({ value, label: t(`register.channel.${value}` as 'register.channel.front-desk') }))}
                  aria-label={t('register.channel')}
                />
              </Form.Item>
            </Col>
          </Row>
          {/* scrolls when long: focusable, so it can be read with the keyboard */}
          <div
            data-testid="notice-text"
            tabIndex={0}
            role="region"
            aria-label={t('register.notice')}
            style={{ maxHeight: 160, overflow: 'auto', background: '#fafafa', border: '1px solid #f0f0f0', padding: 12, whiteSpace: 'pre-wrap' }}
          >
            {notice?.content ?? t('register.noticeMissing')}
          </div>
          <Form.Item
            name="noticeShown"
            valuePropName="checked"
            rules={[{ validator: (_, checked: boolean) => (checked ? Promise.resolve() : Promise.reject(new Error(t('register.noticeRequired')))) }]}
          >
            <Checkbox disabled={!notice}>{t('register.noticeShown')}</Checkbox>
          </Form.Item>
        </Card>

        <Card title={categoryLabel('identity', lang)} style={{ marginTop: 16 }}>
          <Row gutter={16}>
            <Col xs={24} md={8}>
              <Form.Item name="name" label={t('field.name')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
                <Input autoComplete="off" />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="gender" label={t('field.gender')}>
                <Select
                  allowClear
                  aria-label={t('field.gender')}
                  options={[
                    { value: 'female', label: t('gender.female') },
                    { value: 'male', label: t('gender.male') },
                  ]}
                />
              </Form.Item>
            </Col>
            <Col xs={12} md={8}>
              <Form.Item name="birthDate" label={t('field.birthDate')} rules={[{ pattern: /^\d{4}-\d{2}-\d{2}$/, message: t('form.date') }]}>
                <Input placeholder="YYYY-MM-DD" autoComplete="off" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item name="documentType" label={t('field.documentType')}>
                <Select
                  aria-label={t('field.documentType')}
                  options={DOCUMENT_TYPES.map((value) => ({
                    value,
                    label: t(`document.${value}` as 'document.resident_id'),
                  }))}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={16}>
              <Form.Item
                name="documentNumber"
                label={t('field.idNumber')}
                rules={[{ validator: idCheck }]}
                validateTrigger={['onChange', 'onBlur']}
                hasFeedback={!!values?.documentNumber}
              >
                {/* a suffix from the start: the feedback icon appearing later must not re-mount the input and lose focus */}
                <Input autoComplete="off" maxLength={18} suffix={<span />} />
              </Form.Item>
            </Col>
          </Row>
        </Card>

        <Card title={categoryLabel('contact', lang)} style={{ marginTop: 16 }}>
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Form.Item name="phone" label={t('field.phone')} rules={[{ pattern: /^(\+?86|0086)?[\s-]*1[3-9]\d[\s-]*\d{4}[\s-]*\d{4}$/, message: t('form.phone') }]}>
                <Input autoComplete="off" inputMode="tel" />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="email" label={t('field.email')} rules={[{ type: 'email', message: t('form.email') }]}>
                <Input autoComplete="off" inputMode="email" />
              </Form.Item>
            </Col>
          </Row>
        </Card>

        <Card title={categoryLabel('health', lang)} style={{ marginTop: 16 }}>
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Form.Item name="conditions" label={t('field.conditions')}>
                <Select mode="tags" open={false} aria-label={t('field.conditions')} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="allergies" label={t('field.allergies')}>
                <Select mode="tags" open={false} aria-label={t('field.allergies')} />
              </Form.Item>
            </Col>
          </Row>
        </Card>

        <Card title={t('register.consents')} style={{ marginTop: 16 }}>
          {outsidePurpose.length > 0 && (
            <Alert
              type="warning"
              showIcon
              style={{ marginBottom: 12 }}
              title={t('register.outsidePurpose', { categories: outsidePurpose.map((c) => categoryLabel(c, lang)).join('、') })}
            />
          )}
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Form.Item name="consentGeneral" valuePropName="checked" noStyle>
              <Checkbox>{t('register.consentGeneral', { purpose: purpose?.name ?? '' })}</Checkbox>
            </Form.Item>
            {sensitive.length > 0 && (
              <Form.Item
                name="consentSensitive"
                valuePropName="checked"
                rules={[{ validator: (_, checked: boolean) => (checked ? Promise.resolve() : Promise.reject(new Error(t('register.sensitiveRequired')))) }]}
              >
                <Checkbox>
                  <Typography.Text strong>{t('register.consentSensitive', { categories: sensitive.map((c) => categoryLabel(c, lang)).join('、') })}</Typography.Text>
                </Checkbox>
              </Form.Item>
            )}
            {optional.length > 0 && (
              <Form.Item name="extraPurposes" label={t('register.extraPurposes')}>
                <Checkbox.Group options={optional.map((item) => ({ value: item.id, label: item.name }))} />
              </Form.Item>
            )}
          </Space>
          {minor && (
            <>
              <Divider />
              <Alert type="info" showIcon title={t('register.minor')} style={{ marginBottom: 12 }} />
              <Row gutter={16}>
                <Col xs={24} md={12}>
                  <Form.Item name="guardianName" label={t('register.guardianName')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
                    <Input autoComplete="off" />
                  </Form.Item>
                </Col>
                <Col xs={24} md={12}>
                  <Form.Item name="guardianRelation" label={t('register.guardianRelation')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}>
                    <Input autoComplete="off" />
                  </Form.Item>
                </Col>
              </Row>
            </>
          )}
        </Card>

        {error && (
          <Alert
            type="error"
            showIcon
            role="alert"
            style={{ marginTop: 16 }}
            title={error.text}
            action={
              error.existingSubjectId ? (
                <Button size="small" onClick={() => void navigate(`/customers/${error.existingSubjectId}`)}>
                  {t('register.openExisting')}
                </Button>
              ) : undefined
            }
          />
        )}
        <Button type="primary" htmlType="submit" loading={busy} style={{ marginTop: 16 }}>
          {t('register.submit')}
        </Button>
      </Form>
    </>
  );
}
