/** Why an assignment, or an access outside one, is refused (mapped to HTTP by the subjects module). */
export type AssignmentErrorCode = 'outside-assignment' | 'unknown-department' | 'inactive-department';
