import type { ServiceType } from '../service-records/service-record.events';

/** The service a survey asks about, and the staff member who gave it: clear in the service record's own event. */
export type SurveyedService = {
  serviceRecordId: string;
  serviceType: ServiceType;
  serviceDate: string;
  staffId: string;
};

/**
 * Events of one survey response's stream (`survey-response-<responseId>`), one per service record
 * and questionnaire. In clear: ids, the questionnaire's version, the service's type, date and staff
 * member, ratings as numbers (what CSAT and NPS count, never the customer's words), who entered them
 * and when. Sealed under the customer's `service_interactions` key: the free-text answers (`V`).
 */
export type SurveyResponseEvent<V = Record<string, string>> =
  | {
      type: 'SurveyDispatched';
      data: SurveyedService & {
        responseId: string;
        subjectId: string;
        surveyId: string;
        surveyVersion: number;
        messageId: string | null;
        dispatchedBy: string;
        dispatchedAt: string;
      };
    }
  | {
      type: 'SurveyAnswered';
      data: SurveyedService & {
        responseId: string;
        subjectId: string;
        surveyId: string;
        surveyVersion: number;
        scores: SurveyScores;
        comments?: V;
        answeredBy: string;
        answeredVia: 'staff' | 'subject';
        answeredAt: string;
      };
    };

/** Ratings by question id, by kind: what CSAT (scale) and NPS (nps) count. */
export interface SurveyScores {
  scale: Record<string, number>;
  nps: Record<string, number>;
}

export const surveyResponseStream = (responseId: string) => `survey-response-${responseId}`;

export const SURVEY_CATEGORY = 'service_interactions';
