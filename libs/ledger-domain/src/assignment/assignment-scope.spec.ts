import { DomainError, InvalidInput } from '../domain-error';
import type { Department } from '../departments/department.decider';
import { decideSubject } from '../subject/subject.decider';
import { evolveSubject, initialSubjectState } from '../subject/subject.state';
import { SubjectEvent } from '../subject/subject.events';
import { decideRegistry, evolveRegistry, initialRegistry } from '../registry/registry.decider';
import { defaultRegistryCommands } from '../registry/default-registry';
import { accessToCustomer, assertAssignable, parseBreakGlass, reachOf, UNASSIGNED } from './assignment-scope';

const A = 'dept-a';
const B = 'dept-b';
const NOW = '2026-06-01T02:00:00.000Z';
const inA = { departmentId: A, healthManagerId: null };

function refusal(run: () => unknown): DomainError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error as DomainError;
  }
}

describe('assignment scope', () => {
  describe('who reaches which customer', () => {
    it('health managers and customer service reach their department’s customers; health managers also their own', () => {
      const hm = { id: 'hm-1', roles: ['health_manager'], departmentId: A };
      const cs = { id: 'cs-1', roles: ['customer_service'], departmentId: A };
      expect(accessToCustomer(hm, 's', inA, undefined)).toBe('within');
      expect(accessToCustomer(cs, 's', inA, undefined)).toBe('within');
      expect(accessToCustomer(hm, 's', { departmentId: B, healthManagerId: 'hm-1' }, undefined)).toBe('within');
      expect(refusal(() => accessToCustomer(cs, 's', { departmentId: B, healthManagerId: 'cs-1' }, undefined))?.code).toBe('outside-assignment');
    });

    it('front desk, staff and compliance reach everyone, also together with a scoped role; a scoped role alone does not', () => {
      for (const roles of [['front_desk'], ['staff'], ['compliance_officer'], ['health_manager', 'front_desk']]) expect(reachOf({ id: 'x', roles })).toEqual({ kind: 'all' });
      expect(reachOf({ id: 'hm-1', roles: ['health_manager'] })).toEqual({ kind: 'assigned', departmentId: null, healthManagerId: 'hm-1' });
      expect(reachOf({ id: 'cs-1', roles: ['customer_service'], departmentId: A })).toEqual({ kind: 'assigned', departmentId: A, healthManagerId: null });
    });

    it('an unassigned customer is outside every scoped reach; a scoped caller without a department reaches only its own', () => {
      const error = refusal(() => accessToCustomer({ id: 'hm-1', roles: ['health_manager'], departmentId: A }, 'subject-1', UNASSIGNED, undefined));
      expect(error?.code).toBe('outside-assignment');
      expect(error?.message).toMatch(/X-Break-Glass/);
      expect(error?.details).toMatchObject({
        subjectId: 'subject-1',
        breakGlass: { header: 'X-Break-Glass', reasons: ['emergency', 'customer-present', 'covering-colleague', 'complaint-escalation'] },
      });
      expect(refusal(() => accessToCustomer({ id: 'hm-2', roles: ['health_manager'] }, 's', inA, undefined))?.code).toBe('outside-assignment');
    });

    it('a stated break-glass reason lets the access through as break-glass, and only where it is needed', () => {
      const hm = { id: 'hm-1', roles: ['health_manager'], departmentId: B };
      expect(accessToCustomer(hm, 's', inA, { reason: 'emergency' })).toBe('break-glass');
      expect(accessToCustomer({ ...hm, departmentId: A }, 's', inA, { reason: 'emergency' })).toBe('within');
    });
  });

  describe('break-glass headers', () => {
    it('take a reason of the list and an optional percent-encoded note', () => {
      expect(parseBreakGlass(undefined, undefined)).toBeUndefined();
      expect(parseBreakGlass('customer-present', undefined)).toEqual({ reason: 'customer-present' });
      expect(parseBreakGlass('emergency', encodeURIComponent('客户晕倒，需查过敏史'))).toEqual({ reason: 'emergency', note: '客户晕倒，需查过敏史' });
    });

    it('refuse an unknown reason, a note without a reason, an overlong or undecodable note, naming the header', () => {
      const paths = (run: () => unknown) => (refusal(run) as InvalidInput | undefined)?.errors.map((problem) => problem.path);
      expect(paths(() => parseBreakGlass('curious', undefined))).toEqual(['headers.x-break-glass']);
      expect(paths(() => parseBreakGlass(undefined, 'note'))).toEqual(['headers.x-break-glass']);
      expect(paths(() => parseBreakGlass('emergency', 'x'.repeat(201)))).toEqual(['headers.x-break-glass-note']);
      expect(paths(() => parseBreakGlass('emergency', '%E4%'))).toEqual(['headers.x-break-glass-note']);
    });
  });

  it('assigns only to an existing, active department (422 naming departmentId)', () => {
    const department: Department = { departmentId: A, code: 'a', name: 'A', managerId: null, status: 'active', createdAt: NOW, updatedAt: NOW };
    expect(() => assertAssignable(department, A)).not.toThrow();
    const unknown = refusal(() => assertAssignable(undefined, B));
    expect({ code: unknown?.code, errors: unknown?.details.errors }).toEqual({ code: 'unknown-department', errors: [{ path: 'departmentId', message: 'no such department' }] });
    expect(refusal(() => assertAssignable({ ...department, status: 'inactive' }, A))?.code).toBe('inactive-department');
  });
});

describe('subject decider: assignment', () => {
  const subjectId = 'subject-1';
  const registered: SubjectEvent = {
    type: 'SubjectRegistered',
    data: { subjectId, purposeId: 'health-management', legalBasis: 'contract', noticeVersion: 'v1', channel: 'front-desk', minor: false, registeredAt: NOW },
  };
  const assigned = (departmentId: string, healthManagerId: string | null): SubjectEvent => ({
    type: 'SubjectAssigned',
    data: { subjectId, departmentId, healthManagerId, assignedAt: NOW },
  });
  const registry = defaultRegistryCommands(NOW).reduce((current, command) => decideRegistry(command, current).reduce(evolveRegistry, current), initialRegistry());
  const context = { now: NOW, registry };
  const state = (...events: SubjectEvent[]) => events.reduce(evolveSubject, initialSubjectState());

  it('given a registered subject, assigns it; the same assignment again changes nothing; another one moves it', () => {
    expect(decideSubject({ type: 'AssignSubject', departmentId: A, healthManagerId: 'hm-1', ...context }, state(registered))).toEqual([assigned(A, 'hm-1')]);
    expect(decideSubject({ type: 'AssignSubject', departmentId: A, healthManagerId: 'hm-1', ...context }, state(registered, assigned(A, 'hm-1')))).toEqual([]);
    expect(decideSubject({ type: 'AssignSubject', departmentId: B, healthManagerId: null, ...context }, state(registered, assigned(A, 'hm-1')))).toEqual([assigned(B, null)]);
    expect(state(registered, assigned(A, 'hm-1'))).toMatchObject({ assignment: { departmentId: A, healthManagerId: 'hm-1' } });
  });

  it('given nothing or an erased subject, refuses (subject-not-found, subject-erased)', () => {
    expect(refusal(() => decideSubject({ type: 'AssignSubject', departmentId: A, healthManagerId: null, ...context }, state()))?.code).toBe('subject-not-found');
    const erased: SubjectEvent = { type: 'SubjectErased', data: { subjectId, erasedCategories: [], retained: [], erasedAt: NOW } };
    expect(refusal(() => decideSubject({ type: 'AssignSubject', departmentId: A, healthManagerId: null, ...context }, state(registered, erased)))?.code).toBe('subject-erased');
  });

  it('a registration with assignTo ends with the assignment', () => {
    const events = decideSubject(
      {
        type: 'RegisterSubject',
        subjectId,
        purposeId: 'health-management',
        noticeVersion: 'v1',
        channel: 'app',
        consents: [],
        data: {},
        assignTo: { departmentId: A, healthManagerId: 'hm-1' },
        ...context,
      },
      state(),
    );
    expect(events.map((event) => event.type)).toEqual(['SubjectRegistered', 'SubjectAssigned']);
    expect(events.reduce(evolveSubject, initialSubjectState())).toMatchObject({ assignment: { departmentId: A, healthManagerId: 'hm-1' } });
  });
});
