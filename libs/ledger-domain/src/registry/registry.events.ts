import { LegalBasis } from '../legal-basis';
import { Category } from './categories';

export interface Purpose {
  id: string;
  name: string;
  description: string;
  legalBasis: LegalBasis;
  categories: Category[];
  necessaryForService: boolean;
  retentionDays?: number;
  /** Processing under it needs an approved, unexpired impact assessment (PIPL Arts. 55–56). Absent: false (purposes defined before the flag). */
  requiresAssessment?: boolean;
  /** Decisions about people are made by automated means (PIPL Art. 24): subjects may refuse them and ask for an explanation. */
  automatedDecisionMaking?: boolean;
  /** The Art. 55 activities the purpose involves besides sensitive PI and automated decisions. */
  involves?: HighRiskProcessing[];
}

/** Processing PIPL Art. 55 names as needing an impact assessment beforehand (besides sensitive PI and automated decisions). */
export const HIGH_RISK_PROCESSING = ['entrusted-processing', 'provision-to-others', 'publication', 'cross-border'] as const;
export type HighRiskProcessing = (typeof HIGH_RISK_PROCESSING)[number];

/** The flags of a purpose an admin may change after defining it. */
export interface PurposeFlags {
  requiresAssessment?: boolean;
  automatedDecisionMaking?: boolean;
}

export interface Notice {
  version: string;
  content: string;
  /** Hex SHA-256 of the content's UTF-8 bytes: what the subject was shown, provably. */
  contentHash: string;
  purposeIds: string[];
  publishedAt: string;
}

export type RegistryEvent =
  | { type: 'PurposeDefined'; data: { purpose: Purpose; definedAt: string } }
  | { type: 'NoticePublished'; data: { notice: Notice } }
  | { type: 'CategorySensitivityChanged'; data: { category: Category; sensitive: boolean; changedAt: string } }
  /** How long the category is kept, for storage only, once processing of it ends (category-retention.ts). */
  | { type: 'CategoryRetentionChanged'; data: { category: Category; retentionAfterEndDays: number; changedAt: string } }
  | { type: 'PurposeFlagsChanged'; data: PurposeFlags & { purposeId: string; changedAt: string } };
