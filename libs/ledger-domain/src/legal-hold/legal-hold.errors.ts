/** Why a legal hold's command is refused (mapped to HTTP by the rights module). */
export type LegalHoldErrorCode = 'invalid-legal-hold' | 'legal-hold-not-found' | 'legal-hold-exists' | 'legal-hold-expired';
