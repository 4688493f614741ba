/** Why a rights request's command is refused (mapped to HTTP by the rights module). */
export type RightsRequestErrorCode =
  | 'request-not-found'
  | 'request-exists'
  | 'relation-required'
  | 'invalid-transition'
  | 'not-verified'
  | 'already-extended'
  | 'invalid-due-date'
  | 'extension-too-long'
  | 'unknown-purpose'
  | 'not-automated-decision';
