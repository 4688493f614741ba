/** Why an impact assessment, or processing that needs one, is refused (mapped to HTTP by the assessments module). */
export type AssessmentErrorCode =
  'assessment-required' | 'assessment-not-found' | 'assessment-version-outdated' | 'assessment-not-acceptable' | 'assessment-purpose-fixed' | 'assessment-expiry-passed';
