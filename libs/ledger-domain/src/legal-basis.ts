/** PIPL Art. 13 legal bases. */
export const LEGAL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interest', 'public_interest', 'public_data', 'other_law'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];
