/** Codes of the complaints' refusals (mapped to HTTP in apps/ledger-api/src/complaints/complaints.module.ts). */
export type ComplaintErrorCode = 'complaint-not-found' | 'complaint-exists' | 'complaint-invalid-transition';
