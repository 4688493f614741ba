import { useCallback, useRef } from 'react';
import { Alert, Form, Input, Radio, Select, Spin } from 'antd';
import { api } from '../../../api/api-client';
import type { ServiceRecord } from '../../../api/types';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { useLoad } from '../customer-file-tabs';
import { RecordFormModal, type RecordFormProps } from './record-form';

interface Question {
  id: string;
  kind: 'scale' | 'nps' | 'text';
  text: string;
  required: boolean;
}

interface Questionnaire {
  surveyId: string;
  version: number;
  title: string;
  questions: Question[];
}

/** A response already dispatched (its invitation sent): its answers are entered against the version it was sent at. */
export interface DispatchedResponse {
  responseId: string;
  surveyId: string;
  surveyVersion: number;
}

interface Values {
  recordId?: string;
  surveyId?: string;
  answers?: Record<string, number | string | undefined>;
}

const SCALE = [1, 2, 3, 4, 5];
const NPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/**
 * Enters the customer's satisfaction answers (collected on paper or by phone): to a questionnaire already sent
 * (`response`), or to a service of the customer's and a questionnaire chosen here, sent first without an invitation
 * (POST …/survey `invite: false`, then POST /v1/survey-responses/{id}). Scale 1–5 (CSAT), 0–10 (NPS), free text.
 */
export function SurveyAnswerForm({ subjectId, purposeId, breakGlass, response, onClose }: RecordFormProps<boolean> & { response?: DispatchedResponse }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const chosenSurvey = Form.useWatch('surveyId', form);
  // a response sent here whose answers were then refused: the next save answers it, not sends it again
  const sent = useRef<string | undefined>(response?.responseId);
  const surveys = useLoad(
    useCallback(
      () =>
        response
          ? api.get<Questionnaire>(`/v1/surveys/${response.surveyId}`, { query: { version: response.surveyVersion } }).then((survey) => [survey])
          : api.get<{ items: Questionnaire[] }>('/v1/surveys').then((page) => page.items),
      [response],
    ),
  );
  const services = useLoad(
    useCallback(
      () =>
        response
          ? Promise.resolve([])
          : api.get<{ items: ServiceRecord[] }>(`/v1/subjects/${subjectId}/service-records`, { personalData: true, breakGlass }).then((page) => page.items),
      [response, subjectId, breakGlass],
    ),
  );
  const survey = response ? surveys.data?.[0] : surveys.data?.find((item) => item.surveyId === chosenSurvey);

  const send = async (values: Values) => {
    if (!survey) throw new Error('no questionnaire');
    if (!sent.current) {
      const body = { surveyId: survey.surveyId, purposeId, invite: false };
      sent.current = (
        await api.request<{ responseId: string }>(`/v1/service-records/${values.recordId}/survey`, { method: 'POST', body, personalData: true, breakGlass })
      ).data.responseId;
    }
    const answers = Object.fromEntries(
      survey.questions
        .map((question) => [question.id, values.answers?.[question.id]] as const)
        .filter(([, value]) => value !== undefined && value !== null && (typeof value !== 'string' || value.trim() !== ''))
        .map(([id, value]) => [id, typeof value === 'string' ? value.trim() : value]),
    );
    await api.request(`/v1/survey-responses/${sent.current}`, { method: 'POST', body: { answers, purposeId }, personalData: true, breakGlass });
    return true;
  };

  const loadError = surveys.error ?? services.error;
  return (
    <RecordFormModal<Values, boolean>
      title={response && survey ? t('surveys.answerTitle', { title: survey.title }) : t('surveys.record')}
      width={680}
      form={form}
      initialValues={{}}
      send={send}
      onClose={(answered) => onClose(answered ?? sent.current !== response?.responseId)}
    >
      {loadError && <Alert type="error" showIcon role="alert" title={loadError} style={{ marginBottom: 12 }} />}
      {!response && (
        <>
          <Form.Item name="recordId" label={t('surveys.forService')} extra={t('surveys.forServiceHint')} rules={[{ required: true, message: t('form.required') }]}>
            <Select
              aria-label={t('surveys.forService')}
              loading={!services.data && !services.error}
              notFoundContent={t('services.none')}
              options={(services.data ?? []).map((record) => ({
                value: record.recordId,
                label: `${record.serviceDate} · ${t(`services.type.${record.serviceType}` as MessageKey)}`,
              }))}
            />
          </Form.Item>
          <Form.Item name="surveyId" label={t('surveys.survey')} rules={[{ required: true, message: t('form.required') }]}>
            <Select
              aria-label={t('surveys.survey')}
              loading={!surveys.data && !surveys.error}
              notFoundContent={t('surveys.noQuestionnaire')}
              options={(surveys.data ?? []).map((item) => ({ value: item.surveyId, label: `${item.title} (v${item.version})` }))}
            />
          </Form.Item>
        </>
      )}
      {response && !survey && !loadError && <Spin />}
      {survey?.questions.map((question) => (
        <Form.Item
          key={`${survey.surveyId}-${question.id}`}
          name={['answers', question.id]}
          label={question.text}
          extra={question.kind === 'text' ? undefined : t(question.kind === 'nps' ? 'surveys.npsHint' : 'surveys.scaleHint')}
          rules={
            question.required ? [{ required: true, ...(question.kind === 'text' ? { whitespace: true } : { type: 'number' as const }), message: t('surveys.answerRequired') }] : []
          }
        >
          {question.kind === 'text' ? (
            <Input.TextArea rows={2} maxLength={2000} aria-label={question.text} />
          ) : (
            <Radio.Group
              optionType="button"
              aria-label={question.text}
              options={(question.kind === 'nps' ? NPS : SCALE).map((score) => ({ value: score, label: String(score) }))}
            />
          )}
        </Form.Item>
      ))}
    </RecordFormModal>
  );
}
