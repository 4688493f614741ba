import { Form, Input, Select, Space, Typography } from 'antd';
import { api } from '../../api/api-client';
import { useI18n } from '../../i18n/i18n';
import { categoryLabel } from '../../i18n/labels';
import type { MessageKey } from '../../i18n/messages';
import type { Assessment, RegistryCategory, RegistryPurpose } from '../admin/admin-types';
import { DateTimeField, EntryCards, instant, RecordFormModal } from '../customers/records/record-form';

const CONCLUSIONS = ['acceptable', 'acceptable-with-measures', 'not-acceptable'] as const;
const RECIPIENT_ROLES = ['entrusted', 'provision', 'joint'] as const;
const COUNTRY = /^[A-Z]{2}$/;

interface Values {
  purposeId: string;
  activity: string;
  categories: string[];
  recipients?: { name: string; country: string; role: string }[];
  risks: string;
  measures: string;
  conclusion: string;
}

/** One a line, blank lines left out: risks and measures as the API takes them (a list of texts). */
const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/**
 * Records a personal-information protection impact assessment (PIPL Arts. 55–56): a new one (POST, version 1, a
 * draft), or the next version of one (PUT; its purpose stays). The recipients (entrusted parties, third parties,
 * joint handlers) with the country where each processes the data, which the cross-border rules read.
 */
export function AssessmentForm({
  assessment,
  purposes,
  categories,
  onClose,
}: {
  assessment?: Assessment;
  purposes: RegistryPurpose[];
  categories: RegistryCategory[];
  onClose: (saved?: Assessment) => void;
}) {
  const { t, lang } = useI18n();
  const required = [{ required: true, whitespace: true, message: t('form.required') }];
  const send = async (values: Values) => {
    const body = {
      purposeId: values.purposeId,
      activity: values.activity.trim(),
      categories: values.categories,
      recipients: (values.recipients ?? []).map((r) => ({ name: r.name.trim(), country: r.country.trim().toUpperCase(), role: r.role })),
      risks: lines(values.risks),
      measures: lines(values.measures),
      conclusion: values.conclusion,
    };
    const path = assessment ? `/v1/compliance/assessments/${assessment.assessmentId}` : '/v1/compliance/assessments';
    return (await api.request<Assessment>(path, { method: assessment ? 'PUT' : 'POST', body })).data;
  };
  const initial: Partial<Values> = assessment
    ? {
        purposeId: assessment.purposeId,
        activity: assessment.activity,
        categories: assessment.categories,
        recipients: assessment.recipients,
        risks: (assessment.risks ?? []).join('\n'),
        measures: (assessment.measures ?? []).join('\n'),
        conclusion: assessment.conclusion,
      }
    : { categories: [], recipients: [] };
  // the API's names of list entries (risks[2]) are the form's one text of lines
  const rename = (path: (string | number)[]) => (path[0] === 'risks' || path[0] === 'measures' ? [path[0]] : path);
  return (
    <RecordFormModal<Values, Assessment>
      title={assessment ? t('assessments.revise', { version: assessment.version + 1 }) : t('assessments.record')}
      width={760}
      initialValues={initial}
      send={send}
      onClose={onClose}
      rename={rename}
    >
      <Space wrap align="start">
        <Form.Item
          name="purposeId"
          label={t('accessLog.purpose')}
          rules={[{ required: true, message: t('form.required') }]}
          extra={assessment ? t('assessments.purposeFixed') : undefined}
        >
          <Select
            style={{ width: 380 }}
            aria-label={t('accessLog.purpose')}
            disabled={assessment !== undefined}
            showSearch
            options={purposes.map((p) => ({ value: p.id, label: `${p.name} (${p.id})${p.requiresAssessment ? ` · ${t('assessments.requires')}` : ''}` }))}
          />
        </Form.Item>
        <Form.Item name="conclusion" label={t('assessments.conclusion')} rules={[{ required: true, message: t('form.required') }]}>
          <Select
            style={{ width: 220 }}
            aria-label={t('assessments.conclusion')}
            options={CONCLUSIONS.map((value) => ({ value, label: t(`assessments.conclusion.${value}` as MessageKey) }))}
          />
        </Form.Item>
      </Space>
      <Form.Item name="activity" label={t('assessments.activity')} extra={t('assessments.activityHint')} rules={[...required, { max: 500 }]}>
        <Input.TextArea rows={2} maxLength={500} />
      </Form.Item>
      <Form.Item name="categories" label={t('assessments.categories')} rules={[{ required: true, type: 'array', min: 1, message: t('form.required') }]}>
        <Select mode="multiple" aria-label={t('assessments.categories')} options={categories.map((c) => ({ value: c.name, label: categoryLabel(c.name, lang) }))} />
      </Form.Item>
      <EntryCards
        name="recipients"
        title={(index) => t('assessments.recipientN', { n: index + 1 })}
        removeLabel={t('orders.removeLine')}
        addLabel={t('assessments.addRecipient')}
        newEntry={() => ({ country: 'CN', role: 'entrusted' })}
        hint={
          <Typography.Paragraph type="secondary" style={{ marginTop: -4 }}>
            {t('assessments.countryHint')}
          </Typography.Paragraph>
        }
      >
        {(field) => (
          <Space wrap align="start">
            <Form.Item name={[field.name, 'name']} label={t('assessments.recipientName')} rules={[...required, { max: 200 }]}>
              <Input style={{ width: 220 }} autoComplete="off" />
            </Form.Item>
            <Form.Item
              name={[field.name, 'country']}
              label={t('assessments.country')}
              normalize={(value?: string) => value?.toUpperCase()}
              rules={[...required, { pattern: COUNTRY, message: t('assessments.countryHint') }]}
            >
              <Input style={{ width: 90 }} maxLength={2} autoComplete="off" />
            </Form.Item>
            <Form.Item name={[field.name, 'role']} label={t('assessments.recipientRole')} rules={[{ required: true, message: t('form.required') }]}>
              <Select
                style={{ width: 160 }}
                aria-label={t('assessments.recipientRole')}
                options={RECIPIENT_ROLES.map((value) => ({ value, label: t(`assessments.role.${value}` as MessageKey) }))}
              />
            </Form.Item>
          </Space>
        )}
      </EntryCards>
      <Form.Item name="risks" label={t('assessments.risks')} extra={t('checkups.conclusionsHint')} rules={required}>
        <Input.TextArea rows={3} />
      </Form.Item>
      <Form.Item name="measures" label={t('assessments.measures')} extra={t('checkups.conclusionsHint')} rules={required}>
        <Input.TextArea rows={3} />
      </Form.Item>
    </RecordFormModal>
  );
}

/** Approves the latest version (read as shown: a newer one meanwhile is refused), until a date and time. */
export function ApprovalForm({ assessment, onClose }: { assessment: Assessment; onClose: (saved?: Assessment) => void }) {
  const { t } = useI18n();
  const send = async (values: { expiresAt: string }) =>
    (
      await api.request<Assessment>(`/v1/compliance/assessments/${assessment.assessmentId}/approval`, {
        method: 'POST',
        body: { version: assessment.version, expiresAt: instant(values.expiresAt) },
      })
    ).data;
  return (
    <RecordFormModal<{ expiresAt: string }, Assessment>
      title={t('assessments.approveTitle', { version: assessment.version })}
      width={480}
      initialValues={{}}
      send={send}
      onClose={onClose}
      saveLabel={t('assessments.approve')}
    >
      <DateTimeField name="expiresAt" label={t('assessments.expiresAt')} />
    </RecordFormModal>
  );
}
