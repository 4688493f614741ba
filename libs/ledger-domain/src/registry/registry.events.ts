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
  | { type: 'CategorySensitivityChanged'; data: { category: Category; sensitive: boolean; changedAt: string } };
