/** Why a subject's command or read is refused (mapped to HTTP by the subjects module). */
export type SubjectErrorCode =
  | 'subject-not-found'
  | 'subject-exists'
  | 'duplicate-subject'
  | 'subject-erased'
  | 'data-erased'
  | 'consent-not-found'
  | 'restriction-not-found'
  | 'category-not-in-purpose'
  | 'separate-consent-required'
  | 'consent-required'
  | 'guardian-consent-required'
  | 'unknown-purpose'
  | 'unknown-notice'
  | 'notice-does-not-cover-purpose'
  | 'processing-restricted'
  | 'no-legal-basis'
  | 'rights-request-not-found'
  | 'rights-request-mismatch'
  | 'rights-request-not-open'
  | 'lifecycle-transition-not-allowed'
  | MergeErrorCode;

/** Why a merge of two customer files is refused (merge.decider.ts); `subject-merged` also answers any use of a merged file's id. */
export type MergeErrorCode = 'subject-merged' | 'merge-same-subject' | 'merge-conflicting-facts' | 'merge-choice-required' | 'merge-under-legal-hold' | 'merge-pending-erasure';
