/**
 * Events of the `departments` stream: the centre's departments (a code, a name, the staff member
 * who heads it). No customer's personal information: names of organisational units and staff ids.
 */
export type DepartmentEvent =
  | { type: 'DepartmentCreated'; data: { departmentId: string; code: string; name: string; createdAt: string } }
  | { type: 'DepartmentRenamed'; data: { departmentId: string; name: string; renamedAt: string } }
  | { type: 'DepartmentManagerSet'; data: { departmentId: string; managerId: string | null; setAt: string } }
  | { type: 'DepartmentDeactivated'; data: { departmentId: string; deactivatedAt: string } };

/** One stream for every department: few of them, and a code must be unique across all. */
export const DEPARTMENTS_STREAM = 'departments';
