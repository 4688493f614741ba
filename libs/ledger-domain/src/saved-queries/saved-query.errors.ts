/** Why a saved-query command is refused (mapped to HTTP by the saved-queries module). */
export type SavedQueryErrorCode = 'saved-query-not-found' | 'saved-query-exists' | 'department-required' | 'not-saved-query-owner';
