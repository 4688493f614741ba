import { DomainError, InvalidInput } from '../domain-error';
import { DepartmentCommand, decideDepartments, evolveDepartments, initialDepartments, listDepartments } from './department.decider';
import { DepartmentEvent } from './department.events';

const NOW = '2026-06-01T02:00:00.000Z';
const A = '0190a000-0000-7000-8000-00000000000a';
const B = '0190a000-0000-7000-8000-00000000000b';

/** given events, when a command: the events decided (or the error thrown). */
function given(...events: DepartmentEvent[]) {
  const state = events.reduce(evolveDepartments, initialDepartments());
  return {
    state,
    when(command: DepartmentCommand): { events?: DepartmentEvent[]; error?: DomainError } {
      try {
        return { events: decideDepartments(command, state) };
      } catch (error) {
        return { error: error as DomainError };
      }
    },
  };
}
const created = (departmentId = A, code = 'hm-1', name = '健康管理一部'): DepartmentEvent => ({ type: 'DepartmentCreated', data: { departmentId, code, name, createdAt: NOW } });
const deactivated = (departmentId = A): DepartmentEvent => ({ type: 'DepartmentDeactivated', data: { departmentId, deactivatedAt: NOW } });
const problemPaths = (error: DomainError | undefined) => (error instanceof InvalidInput ? error.errors.map((problem) => problem.path) : error?.code);

describe('departments decider', () => {
  describe('creating', () => {
    it('given nothing, creates a department with a trimmed name, and sets its head when one is named', () => {
      expect(given().when({ type: 'CreateDepartment', departmentId: A, code: 'hm-1', name: ' 健康管理一部 ', now: NOW }).events).toEqual([created()]);
      expect(given().when({ type: 'CreateDepartment', departmentId: A, code: 'hm-1', name: '健康管理一部', managerId: 'mgr-zhou', now: NOW }).events).toEqual([
        created(),
        { type: 'DepartmentManagerSet', data: { departmentId: A, managerId: 'mgr-zhou', setAt: NOW } },
      ]);
    });

    it('refuses a code another department has (naming code), a bad code, an empty name or a bad head id (naming each)', () => {
      const taken = given(created()).when({ type: 'CreateDepartment', departmentId: B, code: 'hm-1', name: '另一部', now: NOW }).error;
      expect({ code: taken?.code, details: taken?.details }).toEqual({
        code: 'department-code-taken',
        details: { departmentId: A, errors: [{ path: 'code', message: 'is taken by another department' }] },
      });
      const bad = given().when({ type: 'CreateDepartment', departmentId: B, code: 'HM 1', name: '  ', managerId: 'a b', now: NOW }).error;
      expect(problemPaths(bad)).toEqual(['code', 'name', 'managerId']);
    });
  });

  describe('given an active department', () => {
    const department = given(created());

    it('renames it, and a rename to the same name changes nothing', () => {
      expect(department.when({ type: 'ChangeDepartment', departmentId: A, name: '健康管理中心', now: NOW }).events).toEqual([
        { type: 'DepartmentRenamed', data: { departmentId: A, name: '健康管理中心', renamedAt: NOW } },
      ]);
      expect(department.when({ type: 'ChangeDepartment', departmentId: A, name: '健康管理一部', now: NOW }).events).toEqual([]);
    });

    it('sets and clears its head', () => {
      const headed = given(created(), { type: 'DepartmentManagerSet', data: { departmentId: A, managerId: 'mgr-zhou', setAt: NOW } });
      expect(headed.state.departments[A].managerId).toBe('mgr-zhou');
      expect(headed.when({ type: 'ChangeDepartment', departmentId: A, managerId: null, now: NOW }).events).toEqual([
        { type: 'DepartmentManagerSet', data: { departmentId: A, managerId: null, setAt: NOW } },
      ]);
      expect(headed.when({ type: 'ChangeDepartment', departmentId: A, managerId: 'mgr-zhou', now: NOW }).events).toEqual([]);
    });

    it('renames it and sets its head in one decision, and refuses both when either is invalid', () => {
      expect(department.when({ type: 'ChangeDepartment', departmentId: A, name: '健康管理中心', managerId: 'mgr-li', now: NOW }).events).toEqual([
        { type: 'DepartmentRenamed', data: { departmentId: A, name: '健康管理中心', renamedAt: NOW } },
        { type: 'DepartmentManagerSet', data: { departmentId: A, managerId: 'mgr-li', setAt: NOW } },
      ]);
      expect(department.when({ type: 'ChangeDepartment', departmentId: A, name: '健康管理中心', managerId: ' bad id', now: NOW }).error?.code).toBe('validation-failed');
    });

    it('deactivates it once', () => {
      expect(department.when({ type: 'DeactivateDepartment', departmentId: A, now: NOW }).events).toEqual([deactivated()]);
      expect(given(created(), deactivated()).when({ type: 'DeactivateDepartment', departmentId: A, now: NOW }).events).toEqual([]);
    });
  });

  it('given a deactivated department, refuses a rename or a new head (department-inactive), keeping it listed', () => {
    const gone = given(created(), deactivated());
    expect(gone.when({ type: 'ChangeDepartment', departmentId: A, name: '新名', now: NOW }).error?.code).toBe('department-inactive');
    expect(gone.when({ type: 'ChangeDepartment', departmentId: A, managerId: 'x', now: NOW }).error?.code).toBe('department-inactive');
    expect(listDepartments(gone.state)).toMatchObject([{ departmentId: A, status: 'inactive' }]);
  });

  it('given no such department, every change is department-not-found', () => {
    expect(given().when({ type: 'ChangeDepartment', departmentId: B, name: 'x', now: NOW }).error?.code).toBe('department-not-found');
    expect(given().when({ type: 'DeactivateDepartment', departmentId: B, now: NOW }).error?.code).toBe('department-not-found');
  });

  it('lists departments by code', () => {
    expect(listDepartments(given(created(A, 'zz'), created(B, 'aa')).state).map((department) => department.code)).toEqual(['aa', 'zz']);
  });
});
