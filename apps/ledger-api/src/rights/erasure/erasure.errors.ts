/** Why an erasure, or the re-application of its certificate, is refused (mapped to HTTP by the rights module). */
export type ErasureErrorCode =
  'erasure-request-conflict' | 'erasure-certificate-not-found' | 'certificate-signature-invalid' | 'certificate-subject-mismatch' | 'legal-hold-missing';
