import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { ServiceType } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import type { SurveyScores } from '@pi-ledger/ledger-domain/surveys/survey-response.events';
import { csatAndNps, ScoreCounts } from '@pi-ledger/ledger-domain/surveys/survey-scores';

/** A survey response as kept: the service it asks about, ratings, the free text still sealed. */
export interface StoredSurveyResponse {
  responseId: string;
  subjectId: string;
  surveyId: string;
  surveyVersion: number;
  serviceRecordId: string;
  serviceType: ServiceType;
  serviceDate: string;
  staffId: string;
  status: 'dispatched' | 'answered';
  messageId: string | null;
  dispatchedBy: string;
  dispatchedAt: string;
  answeredBy: string | null;
  answeredVia: 'staff' | 'subject' | null;
  answeredAt: string | null;
  scores: SurveyScores | null;
  sealedComments: unknown;
}

export type ResultsBy = 'serviceType' | 'staff' | 'month';

/** One group of results: counts and the two scores, never a customer. */
export interface ResultsGroup extends ScoreCounts {
  key: string;
  responses: number;
  csat: number | null;
  nps: number | null;
}

const GROUP: Record<ResultsBy, string> = { serviceType: 'service_type', staff: 'staff_id', month: `to_char(service_date, 'YYYY-MM')` };

@Injectable()
export class SurveyResponseQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async bySubject(subjectId: string): Promise<StoredSurveyResponse[]> {
    const { rows } = await this.pool.query(
      `SELECT *, service_date::text AS service_day FROM survey_responses WHERE subject_id = $1 ORDER BY survey_responses.service_date DESC, response_id DESC`,
      [subjectId],
    );
    return rows.map(toStored);
  }

  async find(responseId: string): Promise<StoredSurveyResponse | undefined> {
    const { rows } = await this.pool.query(`SELECT *, service_date::text AS service_day FROM survey_responses WHERE response_id = $1`, [responseId]);
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  /** Answered responses to a questionnaire (all versions) for services dated from..to, grouped; and the totals. */
  async results(surveyId: string, from: string, to: string, by: ResultsBy): Promise<{ total: ResultsGroup; groups: ResultsGroup[] }> {
    const { rows } = await this.pool.query(
      `SELECT coalesce(${GROUP[by]}, '') AS key, count(*)::int AS responses, sum(scale_answers)::int AS scale_answers, sum(satisfied)::int AS satisfied,
              sum(nps_answers)::int AS nps_answers, sum(promoters)::int AS promoters, sum(detractors)::int AS detractors
         FROM survey_responses WHERE survey_id = $1 AND status = 'answered' AND service_date BETWEEN $2::date AND $3::date
        GROUP BY ROLLUP (1) ORDER BY 1 NULLS FIRST`,
      [surveyId, from, to],
    );
    const groups = rows.map((row) => {
      const counts: ScoreCounts = {
        scaleAnswers: row.scale_answers ?? 0,
        satisfied: row.satisfied ?? 0,
        npsAnswers: row.nps_answers ?? 0,
        promoters: row.promoters ?? 0,
        detractors: row.detractors ?? 0,
      };
      return { key: row.key as string | null, responses: row.responses as number, ...counts, ...csatAndNps(counts) };
    });
    const empty: ResultsGroup = { key: 'total', responses: 0, scaleAnswers: 0, satisfied: 0, npsAnswers: 0, promoters: 0, detractors: 0, csat: null, nps: null };
    const total = groups.find((group) => group.key === null);
    return { total: total ? { ...total, key: 'total' } : empty, groups: groups.filter((group): group is ResultsGroup => group.key !== null) };
  }
}

function toStored(row: Record<string, unknown>): StoredSurveyResponse {
  const iso = (value: unknown) => (value ? (value as Date).toISOString() : null);
  return {
    responseId: row.response_id as string,
    subjectId: row.subject_id as string,
    surveyId: row.survey_id as string,
    surveyVersion: row.survey_version as number,
    serviceRecordId: row.service_record_id as string,
    serviceType: row.service_type as ServiceType,
    serviceDate: row.service_day as string,
    staffId: row.staff_id as string,
    status: row.status as 'dispatched' | 'answered',
    messageId: (row.message_id as string | null) ?? null,
    dispatchedBy: row.dispatched_by as string,
    dispatchedAt: iso(row.dispatched_at) as string,
    answeredBy: (row.answered_by as string | null) ?? null,
    answeredVia: (row.answered_via as 'staff' | 'subject' | null) ?? null,
    answeredAt: iso(row.answered_at),
    scores: (row.scores as SurveyScores | null) ?? null,
    sealedComments: row.comments,
  };
}
