import { DomainError, FieldProblem, InvalidInput } from '../domain-error';
import type { SurveyErrorCode } from './survey.errors';

/** 1–5 satisfaction scale (CSAT), 0–10 likelihood to recommend (NPS), or the customer's own words. */
export const QUESTION_KINDS = ['scale', 'nps', 'text'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export interface SurveyQuestion {
  id: string;
  kind: QuestionKind;
  text: string;
  required: boolean;
}

/** One version of a questionnaire: versions never change, a change is a new version. */
export interface SurveyVersion {
  surveyId: string;
  version: number;
  title: string;
  questions: SurveyQuestion[];
  publishedBy: string;
  publishedAt: string;
}

export interface SurveyPublished {
  type: 'SurveyPublished';
  data: SurveyVersion;
}

/**
 * The centre's questionnaires (满意度调查问卷), every version of each, in one stream
 * (`survey-definitions`) changed by managers and admins; the centre's own texts, no customer's data.
 */
export const SURVEY_DEFINITIONS_STREAM = 'survey-definitions';

export interface SurveyDefinitions {
  surveys: Record<string, SurveyVersion[]>;
}

export type SurveyDefinitionCommand = {
  type: 'DefineSurvey' | 'ReviseSurvey';
  surveyId: string;
  title: string;
  questions: SurveyQuestion[];
  actor: string;
  now: string;
};

export const initialSurveyDefinitions = (): SurveyDefinitions => ({ surveys: {} });

export function evolveSurveyDefinitions(state: SurveyDefinitions, event: SurveyPublished): SurveyDefinitions {
  const versions = state.surveys[event.data.surveyId] ?? [];
  return { surveys: { ...state.surveys, [event.data.surveyId]: [...versions, event.data] } };
}

export function latestVersion(state: SurveyDefinitions, surveyId: string): SurveyVersion {
  const latest = state.surveys[surveyId]?.at(-1);
  if (!latest) throw new DomainError<SurveyErrorCode>('survey-not-found', 'no such survey', { surveyId });
  return latest;
}

export function surveyVersion(state: SurveyDefinitions, surveyId: string, version: number): SurveyVersion {
  const found = state.surveys[surveyId]?.find((candidate) => candidate.version === version);
  if (!found) throw new DomainError<SurveyErrorCode>('survey-not-found', `no version ${version} of this survey`, { surveyId, version });
  return found;
}

/** A new questionnaire is version 1; a revision that changes its title or questions is the next version; an unchanged one is nothing. */
export function decideSurveyDefinition(command: SurveyDefinitionCommand, state: SurveyDefinitions): SurveyPublished[] {
  const { surveyId, title, questions, actor, now } = command;
  assertQuestions(questions);
  const versions = state.surveys[surveyId];
  if (command.type === 'DefineSurvey' && versions) throw new DomainError<SurveyErrorCode>('survey-exists', `survey ${surveyId} exists already`, { surveyId });
  if (command.type === 'ReviseSurvey' && !versions) throw new DomainError<SurveyErrorCode>('survey-not-found', 'no such survey', { surveyId });
  const latest = versions?.at(-1);
  if (latest && latest.title === title && JSON.stringify(latest.questions) === JSON.stringify(questions)) return [];
  return [{ type: 'SurveyPublished', data: { surveyId, version: (latest?.version ?? 0) + 1, title, questions, publishedBy: actor, publishedAt: now } }];
}

function assertQuestions(questions: readonly SurveyQuestion[]): void {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  questions.forEach((question, index) => {
    if (seen.has(question.id)) problems.push({ path: `questions[${index}].id`, message: 'must be unique within the survey' });
    seen.add(question.id);
  });
  if (!questions.some((question) => question.kind !== 'text')) problems.push({ path: 'questions', message: 'must hold at least one scale or nps question' });
  if (problems.length > 0) throw new InvalidInput(problems);
}
