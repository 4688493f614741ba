import { Category } from '../registry/categories';

/** What an impact assessment concludes (PIPL Art. 56): whether the processing may go ahead, and on what terms. */
export const ASSESSMENT_CONCLUSIONS = ['acceptable', 'acceptable-with-measures', 'not-acceptable'] as const;
export type AssessmentConclusion = (typeof ASSESSMENT_CONCLUSIONS)[number];

/** The mainland of China; every other code (HK, MO, TW included) is outside it for Arts. 38–40. */
export const MAINLAND = 'CN';

/** A recipient the assessed activity provides data to or entrusts it with: an organisation, never a person. */
export interface AssessedRecipient {
  name: string;
  /** ISO 3166-1 alpha-2 (HK, MO, TW as regions); CN is the mainland. */
  country: string;
  role: 'entrusted' | 'provision' | 'joint';
}

/** One version of an assessment of one processing activity (PIPL Art. 56: purpose, means, risks, measures). */
export interface AssessmentContent {
  purposeId: string;
  activity: string;
  categories: Category[];
  recipients: AssessedRecipient[];
  risks: string[];
  measures: string[];
  conclusion: AssessmentConclusion;
}

/** An approved, unexpired assessment covering a purpose: what processing under it needs when the purpose requires one. */
export interface CoveringAssessment {
  assessmentId: string;
  version: number;
  expiresAt: string;
  /** Where the assessed activity's recipients are outside the mainland (cross-border provision, Arts. 38–39). */
  crossBorderCountries: string[];
}

/**
 * Events of the one stream `impact-assessments`: the handler's own analysis, no PI. Each
 * assessment (one processing activity) is versioned: a revision is a new `AssessmentRecorded`
 * with the next version, which needs its own approval.
 */
export type AssessmentEvent =
  | { type: 'AssessmentRecorded'; data: AssessmentContent & { assessmentId: string; version: number; recordedAt: string } }
  | { type: 'AssessmentApproved'; data: { assessmentId: string; version: number; approvedBy: string; approvedAt: string; expiresAt: string } };

export const ASSESSMENTS_STREAM = 'impact-assessments';
