/** Why a role's permissions refuse an access (mapped to HTTP by the subjects module). */
export type AccessMatrixErrorCode = 'category-not-permitted';
