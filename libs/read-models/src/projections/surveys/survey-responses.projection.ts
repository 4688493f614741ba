import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { SurveyResponseEvent, surveyResponseStream } from '@pi-ledger/ledger-domain/surveys/survey-response.events';
import { countScores } from '@pi-ledger/ledger-domain/surveys/survey-scores';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches, forgetRecordStream } from '../subject-records/record-erasure';

const STREAM_PREFIX = surveyResponseStream('');

/**
 * `survey_responses`: one row per dispatched survey, answered or not, with the service it asks
 * about, the counts CSAT and NPS add up (countScores) and the free text as sealed. The results
 * are sums over these rows; a customer's rows go when an erasure reaches `service_interactions`,
 * so an erased customer's ratings stop counting.
 */
export class SurveyResponsesProjection implements Projection {
  readonly name = 'survey_responses';
  readonly version = 1;
  readonly tables = ['survey_responses'];
  readonly eventTypes: ReadonlySet<string> = new Set<string>(['SurveyDispatched', 'SurveyAnswered', 'SubjectErased']);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const t = batch.table('survey_responses');
    for (const recorded of events) {
      const event = recorded as unknown as SurveyResponseEvent<unknown> | Extract<SubjectEvent, { type: 'SubjectErased' }>;
      const version = recorded.streamVersion;
      switch (event.type) {
        case 'SubjectErased':
          if (erasureReaches(event, 'service_interactions')) await batch.client.query(`DELETE FROM ${t} WHERE subject_id = $1`, [event.data.subjectId]);
          break;
        case 'SurveyDispatched': {
          const d = event.data;
          await batch.client.query(
            `INSERT INTO ${t} (response_id, subject_id, survey_id, survey_version, service_record_id, service_type, service_date, staff_id, status, message_id, dispatched_by, dispatched_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'dispatched', $9, $10, $11, $12) ON CONFLICT (response_id) DO NOTHING`,
            [
              d.responseId,
              d.subjectId,
              d.surveyId,
              d.surveyVersion,
              d.serviceRecordId,
              d.serviceType,
              d.serviceDate,
              d.staffId,
              d.messageId,
              d.dispatchedBy,
              d.dispatchedAt,
              version,
            ],
          );
          break;
        }
        case 'SurveyAnswered': {
          const d = event.data;
          const counts = countScores(d.scores);
          await batch.client.query(
            `UPDATE ${t} SET status = 'answered', answered_by = $2, answered_via = $3, answered_at = $4, scores = $5, comments = $6,
                    scale_answers = $7, satisfied = $8, nps_answers = $9, promoters = $10, detractors = $11, version = $12
              WHERE response_id = $1 AND version < $12`,
            [
              d.responseId,
              d.answeredBy,
              d.answeredVia,
              d.answeredAt,
              JSON.stringify(d.scores),
              d.comments === undefined ? null : JSON.stringify(d.comments),
              counts.scaleAnswers,
              counts.satisfied,
              counts.npsAnswers,
              counts.promoters,
              counts.detractors,
              version,
            ],
          );
          break;
        }
        default: {
          const unknown: never = event;
          throw new Error(`unexpected event ${(unknown as { type: string }).type}`);
        }
      }
    }
  }

  forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    return forgetRecordStream(batch, streamId, { table: 'survey_responses', idColumn: 'response_id', streamPrefix: STREAM_PREFIX });
  }
}
