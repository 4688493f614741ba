import { DomainError, FieldProblem, InvalidInput } from '../domain-error';
import type { SurveyVersion } from './survey-definition';
import type { SurveyErrorCode } from './survey.errors';
import { SurveyedService, SurveyResponseEvent, SurveyScores } from './survey-response.events';

interface Context {
  responseId: string;
  actor: string;
  now: string;
}

export type SurveyResponseCommand =
  | (Context & { type: 'DispatchSurvey'; subjectId: string; survey: SurveyVersion; service: SurveyedService; messageId: string | null })
  | (Context & { type: 'AnswerSurvey'; survey: SurveyVersion; answers: Record<string, unknown>; via: 'staff' | 'subject' });

type Link = SurveyedService & { responseId: string; subjectId: string; surveyId: string; surveyVersion: number };
export type SurveyResponseState = { status: 'absent' } | ({ status: 'dispatched' | 'answered' } & Link);

export const initialSurveyResponseState = (): SurveyResponseState => ({ status: 'absent' });

export function evolveSurveyResponse(_state: SurveyResponseState, event: SurveyResponseEvent<unknown>): SurveyResponseState {
  const { responseId, subjectId, surveyId, surveyVersion, serviceRecordId, serviceType, serviceDate, staffId } = event.data;
  const link = { responseId, subjectId, surveyId, surveyVersion, serviceRecordId, serviceType, serviceDate, staffId };
  switch (event.type) {
    case 'SurveyDispatched':
      return { status: 'dispatched', ...link };
    case 'SurveyAnswered':
      return { status: 'answered', ...link };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/**
 * A survey is dispatched once per service record and questionnaire, then answered once, by staff
 * entering the customer's answers or by the customer, against the version it was dispatched with.
 */
export function decideSurveyResponse(command: SurveyResponseCommand, state: SurveyResponseState): SurveyResponseEvent[] {
  const { responseId, actor, now } = command;
  if (command.type === 'DispatchSurvey') {
    if (state.status !== 'absent') throw new DomainError<SurveyErrorCode>('survey-already-dispatched', 'this survey was sent for this service already', { responseId });
    const { surveyId, version } = command.survey;
    return [
      {
        type: 'SurveyDispatched',
        data: {
          responseId,
          subjectId: command.subjectId,
          surveyId,
          surveyVersion: version,
          ...command.service,
          messageId: command.messageId,
          dispatchedBy: actor,
          dispatchedAt: now,
        },
      },
    ];
  }
  if (state.status === 'absent') throw new DomainError<SurveyErrorCode>('survey-not-dispatched', 'no survey was sent under this id', { responseId });
  if (state.status === 'answered') throw new DomainError<SurveyErrorCode>('survey-already-answered', 'this survey was answered already', { responseId });
  const { status: _status, ...link } = state;
  const { scores, comments } = validAnswers(command.survey, command.answers);
  return [
    {
      type: 'SurveyAnswered',
      data: { ...link, scores, ...(Object.keys(comments).length > 0 ? { comments } : {}), answeredBy: actor, answeredVia: command.via, answeredAt: now },
    },
  ];
}

/** Answers by question id: a scale 1–5 or an NPS 0–10 as an integer, a text as 1–2000 characters; every required question answered, no unknown one. */
export function validAnswers(survey: SurveyVersion, answers: Record<string, unknown>): { scores: SurveyScores; comments: Record<string, string> } {
  const problems: FieldProblem[] = [];
  const scores: SurveyScores = { scale: {}, nps: {} };
  const comments: Record<string, string> = {};
  const known = new Set(survey.questions.map((question) => question.id));
  for (const id of Object.keys(answers)) if (!known.has(id)) problems.push({ path: `answers.${id}`, message: 'is not a question of this survey version' });
  for (const question of survey.questions) {
    const value = answers[question.id];
    const path = `answers.${question.id}`;
    if (value === undefined || value === null) {
      if (question.required) problems.push({ path, message: 'is required' });
      continue;
    }
    if (question.kind === 'text') {
      if (typeof value !== 'string' || value.trim().length === 0 || value.length > 2000) problems.push({ path, message: 'must be text of 1 to 2000 characters' });
      else comments[question.id] = value;
      continue;
    }
    const [min, max] = question.kind === 'scale' ? [1, 5] : [0, 10];
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) problems.push({ path, message: `must be an integer from ${min} to ${max}` });
    else scores[question.kind][question.id] = value as number;
  }
  if (problems.length > 0) throw new InvalidInput(problems);
  return { scores, comments };
}
