/** Codes of the surveys' refusals (mapped to HTTP in apps/ledger-api/src/surveys/surveys.module.ts). */
export type SurveyErrorCode = 'survey-not-found' | 'survey-exists' | 'survey-already-dispatched' | 'survey-not-dispatched' | 'survey-already-answered' | 'service-record-not-found';
