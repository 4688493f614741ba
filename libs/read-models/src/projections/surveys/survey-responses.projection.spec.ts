import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { surveyResponseStream } from '@pi-ledger/ledger-domain/surveys/survey-response.events';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { applyTwice, recordedEvent } from '../projection.testing';
import { SurveyResponsesProjection } from './survey-responses.projection';
import { SurveyResponseQueries } from './survey-responses.queries';

const SEALED = { v: 1, kid: 'k', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };
const AT = '2026-06-01T02:00:00.000Z';

describe('survey_responses projection (PostgreSQL), each event applied twice', () => {
  let database: TestDatabase;
  let queries: SurveyResponseQueries;
  const responses = new SurveyResponsesProjection();
  const survey = uuidv7();
  const [alice, bob] = [uuidv7(), uuidv7()];
  const link = (responseId: string, subjectId: string, serviceType: string, staffId: string, serviceDate: string) => ({
    responseId,
    subjectId,
    surveyId: survey,
    surveyVersion: 1,
    serviceRecordId: uuidv7(),
    serviceType,
    serviceDate,
    staffId,
  });
  const respond = (subjectId: string, serviceType: string, staffId: string, serviceDate: string, scale: number, nps: number, comments?: unknown) => {
    const responseId = uuidv7();
    const linked = link(responseId, subjectId, serviceType, staffId, serviceDate);
    const at = (streamVersion: number) => ({ streamId: surveyResponseStream(responseId), streamVersion });
    return [
      recordedEvent('SurveyDispatched', { ...linked, messageId: null, dispatchedBy: 'cs-1', dispatchedAt: AT }, at(1)),
      recordedEvent(
        'SurveyAnswered',
        {
          ...linked,
          scores: { scale: { overall: scale }, nps: { recommend: nps } },
          ...(comments ? { comments } : {}),
          answeredBy: 'cs-1',
          answeredVia: 'staff',
          answeredAt: AT,
        } as never,
        at(2),
      ),
    ];
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    queries = new SurveyResponseQueries(database.pool);
  });
  afterAll(async () => database.close());

  it('SurveyDispatched makes an unanswered row that counts for nothing; SurveyAnswered adds its counts once', async () => {
    const [dispatched, answered] = respond(alice, 'consultation', 'hm-1', '2026-05-10', 5, 10, SEALED);
    const first = await applyTwice(database.pool, responses, [dispatched]);
    expect(first.twice).toEqual(first.once);
    expect((await queries.results(survey, '2026-01-01', '2026-12-31', 'staff')).total.responses).toBe(0);
    const second = await applyTwice(database.pool, responses, [answered]);
    expect(second.twice).toEqual(second.once);
    await applyTwice(database.pool, responses, [dispatched]); // a replayed dispatch does not unanswer it
    expect((await queries.bySubject(alice))[0]).toMatchObject({ status: 'answered', scores: { scale: { overall: 5 }, nps: { recommend: 10 } }, sealedComments: SEALED });
  });

  it('groups CSAT and NPS by service type, staff member and month within the dates', async () => {
    await applyTwice(database.pool, responses, [
      ...respond(alice, 'consultation', 'hm-2', '2026-05-20', 3, 6),
      ...respond(bob, 'lecture', 'hm-1', '2026-04-02', 4, 9),
      ...respond(bob, 'lecture', 'hm-1', '2025-12-31', 1, 0), // outside the dates
    ]);
    const byType = await queries.results(survey, '2026-01-01', '2026-12-31', 'serviceType');
    expect(byType.total).toMatchObject({ key: 'total', responses: 3, scaleAnswers: 3, satisfied: 2, npsAnswers: 3, promoters: 2, detractors: 1, csat: 66.7, nps: 33.3 });
    expect(byType.groups).toEqual([
      expect.objectContaining({ key: 'consultation', responses: 2, csat: 50, nps: 0 }),
      expect.objectContaining({ key: 'lecture', responses: 1, csat: 100, nps: 100 }),
    ]);
    expect((await queries.results(survey, '2026-01-01', '2026-12-31', 'staff')).groups.map((g) => [g.key, g.responses])).toEqual([
      ['hm-1', 2],
      ['hm-2', 1],
    ]);
    expect((await queries.results(survey, '2026-01-01', '2026-12-31', 'month')).groups.map((g) => [g.key, g.responses])).toEqual([
      ['2026-04', 1],
      ['2026-05', 2],
    ]);
  });

  it('SubjectErased purges the customer’s rows when it reaches service_interactions, and keeps them when it does not', async () => {
    const partial = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['contact'], retained: [], erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 5 },
    );
    await applyTwice(database.pool, responses, [partial]);
    expect(await queries.bySubject(alice)).toHaveLength(2);
    const whole = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['identity'], retained: [], whole: true, erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 6 },
    );
    const { once, twice } = await applyTwice(database.pool, responses, [whole]);
    expect(twice).toEqual(once);
    expect(await queries.bySubject(alice)).toEqual([]);
    expect((await queries.results(survey, '2026-01-01', '2026-12-31', 'staff')).total.responses).toBe(1);
  });
});
