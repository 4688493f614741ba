/**
 * The reserved purpose under which a compliance audit reads a subject's history (PIPL Art. 54;
 * docs/pipl-mapping.md). Its legal basis is the handler's own legal obligation to audit its
 * processing (Art. 13(3)), so it reaches a subject whose processing is restricted (Art. 44 leaves
 * what a legal obligation needs) and an erased subject's record of what happened. Like
 * `pipl:rights`, the colon keeps it outside the grammar of registry purposes: it grants no
 * processing of the data itself, and every value it shows is masked unless revealed with a reason.
 */
export const COMPLIANCE_AUDIT_PURPOSE_ID = 'pipl:compliance-audit';
export const COMPLIANCE_AUDIT_LEGAL_BASIS = 'legal_obligation';

/** Who audits: compliance officers and auditors. */
export const COMPLIANCE_AUDIT_ROLES = ['compliance_officer', 'auditor'] as const;

/** Why an audit shows values in clear (`X-Reveal-Reason`): a closed list, so the access record carries a fact, not free text. */
export const REVEAL_REASONS = ['regulator-inquiry', 'complaint', 'rights-request', 'litigation', 'internal-audit', 'security-incident'] as const;
export type RevealReason = (typeof REVEAL_REASONS)[number];
