import { DomainError, FieldProblem, InvalidInput } from '../domain-error';
import type { DepartmentErrorCode } from './department.errors';
import { DepartmentEvent } from './department.events';

export interface Department {
  departmentId: string;
  code: string;
  name: string;
  /** The staff account heading the department, if any. */
  managerId: string | null;
  status: 'active' | 'inactive';
  createdAt: string;
  updatedAt: string;
}

export interface DepartmentsState {
  departments: Record<string, Department>;
}

export type DepartmentCommand =
  | { type: 'CreateDepartment'; departmentId: string; code: string; name: string; managerId?: string | null; now: string }
  /** A new name, a new head (null: none), or both, decided together: both are recorded or neither. */
  | { type: 'ChangeDepartment'; departmentId: string; name?: string; managerId?: string | null; now: string }
  | { type: 'DeactivateDepartment'; departmentId: string; now: string };

/** Codes are short, stable and typed by people (`hm-1`, `cs`): lower-case letters, digits and hyphens. */
export const DEPARTMENT_CODE = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const DEPARTMENT_NAME_MAX = 100;
/** A staff account id as tokens carry it (`sub`). */
export const STAFF_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

export const initialDepartments = (): DepartmentsState => ({ departments: {} });

export function evolveDepartments(state: DepartmentsState, event: DepartmentEvent): DepartmentsState {
  const updating = (departmentId: string, change: (department: Department) => Department): DepartmentsState => {
    const department = state.departments[departmentId];
    return department ? { departments: { ...state.departments, [departmentId]: change(department) } } : state;
  };
  switch (event.type) {
    case 'DepartmentCreated': {
      const { departmentId, code, name, createdAt } = event.data;
      const department: Department = { departmentId, code, name, managerId: null, status: 'active', createdAt, updatedAt: createdAt };
      return { departments: { ...state.departments, [departmentId]: department } };
    }
    case 'DepartmentRenamed':
      return updating(event.data.departmentId, (department) => ({ ...department, name: event.data.name, updatedAt: event.data.renamedAt }));
    case 'DepartmentManagerSet':
      return updating(event.data.departmentId, (department) => ({ ...department, managerId: event.data.managerId, updatedAt: event.data.setAt }));
    case 'DepartmentDeactivated':
      return updating(event.data.departmentId, (department) => ({ ...department, status: 'inactive', updatedAt: event.data.deactivatedAt }));
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideDepartments(command: DepartmentCommand, state: DepartmentsState): DepartmentEvent[] {
  switch (command.type) {
    case 'CreateDepartment': {
      const { departmentId, now } = command;
      const name = command.name.trim();
      const managerId = command.managerId ?? null;
      assertValid([...codeProblems(command.code), ...nameProblems(name), ...managerProblems(managerId)]);
      const taken = Object.values(state.departments).find((department) => department.code === command.code);
      if (taken) {
        throw new DomainError<DepartmentErrorCode>('department-code-taken', `a department with the code ${command.code} exists`, {
          departmentId: taken.departmentId,
          errors: [{ path: 'code', message: 'is taken by another department' }],
        });
      }
      if (Object.hasOwn(state.departments, departmentId)) throw new Error(`department id ${departmentId} was issued twice`);
      const created: DepartmentEvent = { type: 'DepartmentCreated', data: { departmentId, code: command.code, name, createdAt: now } };
      return managerId === null ? [created] : [created, { type: 'DepartmentManagerSet', data: { departmentId, managerId, setAt: now } }];
    }
    case 'ChangeDepartment': {
      const name = command.name?.trim();
      assertValid([...(name === undefined ? [] : nameProblems(name)), ...(command.managerId === undefined ? [] : managerProblems(command.managerId))]);
      const department = activeDepartment(state, command.departmentId);
      const { departmentId } = department;
      const events: DepartmentEvent[] = [];
      if (name !== undefined && department.name !== name) events.push({ type: 'DepartmentRenamed', data: { departmentId, name, renamedAt: command.now } });
      if (command.managerId !== undefined && department.managerId !== command.managerId) {
        events.push({ type: 'DepartmentManagerSet', data: { departmentId, managerId: command.managerId, setAt: command.now } });
      }
      return events;
    }
    case 'DeactivateDepartment': {
      const department = existingDepartment(state, command.departmentId);
      if (department.status === 'inactive') return []; // deactivating twice changes nothing
      return [{ type: 'DepartmentDeactivated', data: { departmentId: department.departmentId, deactivatedAt: command.now } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export function existingDepartment(state: DepartmentsState, departmentId: string): Department {
  const department = Object.hasOwn(state.departments, departmentId) ? state.departments[departmentId] : undefined;
  if (!department) throw new DomainError<DepartmentErrorCode>('department-not-found', `no department ${departmentId}`, { departmentId });
  return department;
}

/** An inactive department keeps its history but takes no changes and no new customers. */
function activeDepartment(state: DepartmentsState, departmentId: string): Department {
  const department = existingDepartment(state, departmentId);
  if (department.status !== 'active') throw new DomainError<DepartmentErrorCode>('department-inactive', `department ${department.code} is deactivated`, { departmentId });
  return department;
}

function codeProblems(code: string): FieldProblem[] {
  return DEPARTMENT_CODE.test(code) ? [] : [{ path: 'code', message: 'must be 1 to 32 lower-case letters, digits or hyphens, starting with a letter or digit' }];
}

function nameProblems(name: string): FieldProblem[] {
  return name.length >= 1 && [...name].length <= DEPARTMENT_NAME_MAX
    ? []
    : [{ path: 'name', message: `must have 1 to ${DEPARTMENT_NAME_MAX} characters besides surrounding spaces` }];
}

function managerProblems(managerId: string | null): FieldProblem[] {
  return managerId === null || STAFF_ID.test(managerId) ? [] : [{ path: 'managerId', message: 'must be a staff account id (letters, digits and . _ : @ -)' }];
}

function assertValid(problems: FieldProblem[]): void {
  if (problems.length > 0) throw new InvalidInput(problems);
}

/** The fold of the `departments` stream, for the command path and the in-memory cache. */
export const DEPARTMENTS_FOLD = { initialState: initialDepartments, evolve: evolveDepartments };

/** Departments by code, for listings. */
export function listDepartments(state: DepartmentsState): Department[] {
  return Object.values(state.departments).sort((a, b) => a.code.localeCompare(b.code));
}
