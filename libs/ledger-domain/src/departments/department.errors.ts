/** Why a department command is refused (mapped to HTTP by the departments module). */
export type DepartmentErrorCode = 'department-not-found' | 'department-code-taken' | 'department-inactive';
