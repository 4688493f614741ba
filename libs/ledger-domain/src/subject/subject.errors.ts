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
  | 'no-legal-basis';
