import { useCallback, useState } from 'react';
import { Alert, App, Button, Space, Table, Tag, Typography } from 'antd';
import { plain } from '../field-value';
import { api } from '../../../api/api-client';
import { useI18n } from '../../../i18n/i18n';
import type { MessageKey } from '../../../i18n/messages';
import { useLoad, when } from '../customer-file-tabs';
import type { RecordTabProps } from './record-tab';
import { usePurpose } from '../../../session/purpose';
import { SurveyAnswerForm, type DispatchedResponse } from './survey-answer-form';

interface SurveyResponse {
  responseId: string;
  surveyId: string;
  surveyVersion: number;
  serviceType: string;
  serviceDate: string;
  status: 'dispatched' | 'answered';
  answeredAt: string | null;
  answeredVia: 'staff' | 'subject' | null;
  /** The ratings, clear numbers by kind and question id. */
  scores: { scale?: Record<string, number>; nps?: Record<string, number> } | null;
  /** The free-text answers, opened (a recorded read). */
  comments?: unknown;
}

/** The ratings by question: `{scale: {q: 1–5}, nps: {q: 0–10}}` as "q: 5" and "q: 9 (NPS)". */
export function scoreTexts(scores: unknown): string[] {
  return entries(scores).flatMap(([kind, byQuestion]) => entries(byQuestion).map(([question, score]) => `${question}: ${plain(score)}${kind === 'nps' ? ' (NPS)' : ''}`));
}

const entries = (value: unknown) => (value && typeof value === 'object' ? Object.entries(value as Record<string, unknown>) : []);

/**
 * The satisfaction surveys sent to the customer after services (service_interactions; a recorded read): scores per
 * question and the free-text answers; for a role that writes the category, answers collected on paper or by phone
 * are entered here, to a survey already sent or to a service and questionnaire chosen in the form.
 */
export function SurveysTab({ subjectId, mayWrite, breakGlass }: RecordTabProps) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { purpose } = usePurpose();
  const [answering, setAnswering] = useState<{ response?: DispatchedResponse } | undefined>();
  const load = useCallback(() => api.get<{ items: SurveyResponse[] }>(`/v1/subjects/${subjectId}/survey-responses`, { personalData: true, breakGlass }), [subjectId, breakGlass]);
  const { data, error, reload } = useLoad(load);
  // the questionnaires' titles (the centre's texts, no customer's data): a response names its questionnaire by id
  const titles = useLoad(
    useCallback(() => api.get<{ items: { surveyId: string; title: string }[] }>('/v1/surveys').then((page) => new Map(page.items.map((s) => [s.surveyId, s.title]))), []),
  );
  const mayAnswer = mayWrite && purpose !== undefined;
  return (
    <>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 12 }} />}
      {mayAnswer && (
        <Button type="primary" onClick={() => setAnswering({})} style={{ marginBottom: 12 }}>
          {t('surveys.record')}
        </Button>
      )}
      {answering && purpose && (
        <SurveyAnswerForm
          subjectId={subjectId}
          purposeId={purpose.id}
          breakGlass={breakGlass}
          response={answering.response}
          onClose={(changed) => {
            setAnswering(undefined);
            if (!changed) return;
            void message.success(t('records.saved'));
            reload();
          }}
        />
      )}
      <Table<SurveyResponse>
        data-testid="survey-responses"
        rowKey="responseId"
        size="small"
        loading={!data && !error}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 'max-content' }}
        dataSource={data?.items ?? []}
        locale={{ emptyText: <Typography.Text type="secondary">{t('surveys.none')}</Typography.Text> }}
        columns={[
          { title: t('surveys.serviceDate'), dataIndex: 'serviceDate' },
          { title: t('surveys.service'), dataIndex: 'serviceType', render: (type: string) => t(`services.type.${type}` as MessageKey) },
          {
            title: t('surveys.survey'),
            key: 'survey',
            render: (_, row) => {
              const title = titles.data?.get(row.surveyId);
              return title ? `${title} v${row.surveyVersion}` : <Typography.Text code>{`${row.surveyId} v${row.surveyVersion}`}</Typography.Text>;
            },
          },
          {
            title: t('surveys.status'),
            dataIndex: 'status',
            render: (status: string) => <Tag color={status === 'answered' ? 'green' : 'blue'}>{t(`surveys.status.${status}` as MessageKey)}</Tag>,
          },
          {
            title: t('surveys.scores'),
            dataIndex: 'scores',
            render: (scores: SurveyResponse['scores']) => (
              <Space size={4} wrap>
                {scoreTexts(scores).map((text) => (
                  <Tag key={text}>{text}</Tag>
                ))}
              </Space>
            ),
          },
          {
            title: t('surveys.answers'),
            dataIndex: 'comments',
            render: (comments: unknown) =>
              typeof comments === 'string' ? (
                comments
              ) : (
                <Space orientation="vertical" size={0}>
                  {entries(comments).map(([question, text]) => (
                    <span key={question}>
                      <Typography.Text type="secondary">{question}: </Typography.Text>
                      {plain(text)}
                    </span>
                  ))}
                </Space>
              ),
          },
          { title: t('surveys.answeredAt'), dataIndex: 'answeredAt', render: (at: string | null) => when(at ?? undefined, lang) },
          ...(mayAnswer
            ? [
                {
                  title: '',
                  key: 'answer',
                  render: (_: unknown, row: SurveyResponse) =>
                    row.status === 'dispatched' && (
                      <Button size="small" onClick={() => setAnswering({ response: row })}>
                        {t('surveys.enterAnswers')}
                      </Button>
                    ),
                },
              ]
            : []),
        ]}
      />
    </>
  );
}
