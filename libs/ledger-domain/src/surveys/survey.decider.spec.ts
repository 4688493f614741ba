import { InvalidInput } from '../domain-error';
import { decideSurveyDefinition, evolveSurveyDefinitions, initialSurveyDefinitions, SurveyPublished, SurveyQuestion } from './survey-definition';
import { decideSurveyResponse, evolveSurveyResponse, initialSurveyResponseState, SurveyResponseCommand } from './survey-response.decider';
import { SurveyResponseEvent } from './survey-response.events';
import { countScores, csatAndNps } from './survey-scores';

const NOW = '2026-06-01T02:00:00.000Z';
const QUESTIONS: SurveyQuestion[] = [
  { id: 'overall', kind: 'scale', text: '您对本次服务满意吗？', required: true },
  { id: 'recommend', kind: 'nps', text: '您向亲友推荐我们的可能性？', required: true },
  { id: 'comment', kind: 'text', text: '其他意见', required: false },
];
const define = (overrides: Partial<Parameters<typeof decideSurveyDefinition>[0]> = {}) => ({
  type: 'DefineSurvey' as const,
  surveyId: 'sv1',
  title: '服务满意度',
  questions: QUESTIONS,
  actor: 'mgr-1',
  now: NOW,
  ...overrides,
});
const definitions = (...events: SurveyPublished[]) => events.reduce(evolveSurveyDefinitions, initialSurveyDefinitions());

describe('survey definitions', () => {
  it('publishes a new questionnaire as version 1', () => {
    expect(decideSurveyDefinition(define(), definitions())).toEqual([
      { type: 'SurveyPublished', data: { surveyId: 'sv1', version: 1, title: '服务满意度', questions: QUESTIONS, publishedBy: 'mgr-1', publishedAt: NOW } },
    ]);
  });

  it('refuses to define it twice, and to revise one that does not exist', () => {
    const v1 = decideSurveyDefinition(define(), definitions());
    expect(() => decideSurveyDefinition(define(), definitions(...v1))).toThrow(expect.objectContaining({ code: 'survey-exists' }));
    expect(() => decideSurveyDefinition(define({ type: 'ReviseSurvey' }), definitions())).toThrow(expect.objectContaining({ code: 'survey-not-found' }));
  });

  it('makes a change the next version, keeping the old one, and an unchanged revision nothing', () => {
    const v1 = decideSurveyDefinition(define(), definitions());
    const changed = QUESTIONS.slice(0, 2);
    const v2 = decideSurveyDefinition(define({ type: 'ReviseSurvey', questions: changed }), definitions(...v1));
    expect(v2[0].data).toMatchObject({ version: 2, questions: changed });
    expect(definitions(...v1, ...v2).surveys.sv1.map((version) => version.version)).toEqual([1, 2]);
    expect(decideSurveyDefinition(define({ type: 'ReviseSurvey', questions: changed }), definitions(...v1, ...v2))).toEqual([]);
  });

  it('refuses duplicate question ids and a survey with nothing to score, naming the field', () => {
    const duplicate = () => decideSurveyDefinition(define({ questions: [QUESTIONS[0], { ...QUESTIONS[1], id: 'overall' }] }), definitions());
    expect(duplicate).toThrow(InvalidInput);
    expect(duplicate).toThrow(/questions\[1\]\.id/);
    expect(() => decideSurveyDefinition(define({ questions: [QUESTIONS[2]] }), definitions())).toThrow(/questions: must hold/);
  });
});

describe('survey responses', () => {
  const survey = decideSurveyDefinition(define(), definitions())[0].data;
  const service = { serviceRecordId: 'r1', serviceType: 'consultation' as const, serviceDate: '2026-05-31', staffId: 'hm-2' };
  const at = { responseId: 'resp1', actor: 'cs-1', now: NOW };
  const dispatch: SurveyResponseCommand = { ...at, type: 'DispatchSurvey', subjectId: 's1', survey, service, messageId: 'm1' };
  const answer = (answers: Record<string, unknown>, via: 'staff' | 'subject' = 'staff'): SurveyResponseCommand => ({ ...at, type: 'AnswerSurvey', survey, answers, via });
  const given = (...events: SurveyResponseEvent[]) => events.reduce(evolveSurveyResponse, initialSurveyResponseState());
  const dispatched = () => decideSurveyResponse(dispatch, given());

  it('dispatches once per service and questionnaire, linked to the service and its staff member', () => {
    expect(dispatched()).toEqual([
      {
        type: 'SurveyDispatched',
        data: { responseId: 'resp1', subjectId: 's1', surveyId: 'sv1', surveyVersion: 1, ...service, messageId: 'm1', dispatchedBy: 'cs-1', dispatchedAt: NOW },
      },
    ]);
    expect(() => decideSurveyResponse(dispatch, given(...dispatched()))).toThrow(expect.objectContaining({ code: 'survey-already-dispatched' }));
  });

  it('records the answers once: ratings by kind in clear, free text apart to seal', () => {
    const [answered] = decideSurveyResponse(answer({ overall: 4, recommend: 10, comment: '护士很耐心' }, 'subject'), given(...dispatched()));
    expect(answered).toEqual({
      type: 'SurveyAnswered',
      data: {
        responseId: 'resp1',
        subjectId: 's1',
        surveyId: 'sv1',
        surveyVersion: 1,
        ...service,
        scores: { scale: { overall: 4 }, nps: { recommend: 10 } },
        comments: { comment: '护士很耐心' },
        answeredBy: 'cs-1',
        answeredVia: 'subject',
        answeredAt: NOW,
      },
    });
    expect(() => decideSurveyResponse(answer({ overall: 5, recommend: 9 }), given(...dispatched(), answered))).toThrow(
      expect.objectContaining({ code: 'survey-already-answered' }),
    );
    expect(decideSurveyResponse(answer({ overall: 2, recommend: 3 }), given(...dispatched()))[0].data).not.toHaveProperty('comments');
  });

  it('refuses answers to a survey never dispatched', () => {
    expect(() => decideSurveyResponse(answer({ overall: 5, recommend: 9 }), given())).toThrow(expect.objectContaining({ code: 'survey-not-dispatched' }));
  });

  it.each([
    [{ overall: 6, recommend: 9 }, 'answers.overall'],
    [{ overall: 0, recommend: 9 }, 'answers.overall'],
    [{ overall: 4.5, recommend: 9 }, 'answers.overall'],
    [{ overall: 4, recommend: 11 }, 'answers.recommend'],
    [{ overall: 4 }, 'answers.recommend'],
    [{ overall: 4, recommend: 9, comment: '  ' }, 'answers.comment'],
    [{ overall: 4, recommend: 9, extra: 1 }, 'answers.extra'],
  ])('refuses %j naming %s', (answers, path) => {
    expect(() => decideSurveyResponse(answer(answers), given(...dispatched()))).toThrow(new RegExp(path.replace('.', '\\.')));
  });
});

describe('CSAT and NPS', () => {
  it('counts 4–5 as satisfied, 9–10 as promoters and 0–6 as detractors', () => {
    const answered: Array<{ scale: Record<string, number>; nps: Record<string, number> }> = [
      { scale: { a: 5, b: 3 }, nps: { n: 10 } },
      { scale: { a: 4 }, nps: { n: 6 } },
      { scale: { a: 2 }, nps: { n: 8 } },
      { scale: {}, nps: { n: 9 } },
    ];
    const counts = answered.map(countScores).reduce((sum, c) => ({
      scaleAnswers: sum.scaleAnswers + c.scaleAnswers,
      satisfied: sum.satisfied + c.satisfied,
      npsAnswers: sum.npsAnswers + c.npsAnswers,
      promoters: sum.promoters + c.promoters,
      detractors: sum.detractors + c.detractors,
    }));
    expect(counts).toEqual({ scaleAnswers: 4, satisfied: 2, npsAnswers: 4, promoters: 2, detractors: 1 });
    expect(csatAndNps(counts)).toEqual({ csat: 50, nps: 25 });
    expect(csatAndNps({ scaleAnswers: 0, satisfied: 0, npsAnswers: 3, promoters: 0, detractors: 1 })).toEqual({ csat: null, nps: -33.3 });
  });
});
