import { DomainError, InvalidInput } from '../domain-error';
import { CATEGORY_NAMES } from '../registry/categories';
import { AccessMatrixCommand, AccessMatrixState, assertMayWrite, decideAccessMatrix, evolveAccessMatrix, initialAccessMatrix, permittedCategories } from './access-matrix.decider';
import { AccessMatrixEvent } from './access-matrix.events';

const NOW = '2026-12-05T10:00:00.000Z';

/** given events, when a command: the events decided (or the error thrown). */
function given(...events: AccessMatrixEvent[]) {
  const state = events.reduce(evolveAccessMatrix, initialAccessMatrix());
  return {
    state,
    when: (command: AccessMatrixCommand) => {
      try {
        return { events: decideAccessMatrix(command, state) };
      } catch (error) {
        return { error: error as DomainError };
      }
    },
  };
}
const seeded = (): AccessMatrixState => {
  const { events } = given().when({ type: 'SeedDefaults', now: NOW });
  return (events ?? []).reduce(evolveAccessMatrix, initialAccessMatrix());
};
const set = (role: string, read: string[], write: string[]): AccessMatrixEvent => ({ type: 'RolePermissionsSet', data: { role, read, write, setAt: NOW } }) as AccessMatrixEvent;

describe('access matrix decider', () => {
  it('given nothing, when seeded, then one event per role with the least-privilege defaults', () => {
    const { events } = given().when({ type: 'SeedDefaults', now: NOW });
    const byRole = Object.fromEntries((events ?? []).map((event) => [event.data.role, { read: event.data.read, write: event.data.write }]));
    expect(Object.keys(byRole).sort()).toEqual(['admin', 'auditor', 'compliance_officer', 'customer_service', 'front_desk', 'health_manager', 'manager', 'ops', 'staff']);
    expect(byRole.front_desk.read).toEqual(['identity', 'identity_document', 'contact', 'employment', 'demographics', 'consumption', 'customer_profile']);
    expect(byRole.health_manager.write).toEqual(['identity', 'contact', 'health', 'health_records', 'service_interactions', 'customer_profile']);
    expect(byRole.customer_service).toEqual({
      read: ['identity', 'contact', 'service_interactions', 'customer_profile'],
      write: ['identity', 'contact', 'service_interactions', 'customer_profile'],
    });
    for (const none of ['manager', 'auditor', 'ops', 'admin']) expect(byRole[none]).toEqual({ read: [], write: [] });
    expect(byRole.staff).toEqual({ read: CATEGORY_NAMES, write: CATEGORY_NAMES });
    expect(byRole.compliance_officer).toEqual({ read: CATEGORY_NAMES, write: CATEGORY_NAMES });
  });

  it('given a seeded matrix, when seeded again, then nothing', () => {
    expect(given(set('ops', [], [])).when({ type: 'SeedDefaults', now: NOW })).toEqual({ events: [] });
  });

  it('given a role, when its permissions are set, then one event in registry order, each category once', () => {
    const { events } = given(set('manager', [], [])).when({ type: 'SetRolePermissions', role: 'manager', read: ['contact', 'identity', 'contact'], write: ['contact'], now: NOW });
    expect(events).toEqual([set('manager', ['identity', 'contact'], ['contact'])]);
  });

  it('given a role, when the same permissions are set again (in another order), then nothing', () => {
    expect(given(set('manager', ['identity', 'contact'], [])).when({ type: 'SetRolePermissions', role: 'manager', read: ['contact', 'identity'], write: [], now: NOW })).toEqual({
      events: [],
    });
  });

  it('when data_subject permissions are set, then validation-failed naming role', () => {
    const { error } = given().when({ type: 'SetRolePermissions', role: 'data_subject', read: [], write: [], now: NOW });
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).errors.map((e) => e.path)).toEqual(['role']);
  });
});

describe('access matrix rules', () => {
  const matrix = seeded();

  it('reads are the union over the caller’s roles', () => {
    expect(permittedCategories(matrix, ['customer_service'], 'read')).toEqual(['identity', 'contact', 'service_interactions', 'customer_profile']);
    expect(permittedCategories(matrix, ['customer_service', 'health_manager'], 'read')).toEqual([
      'identity',
      'contact',
      'health',
      'health_records',
      'service_interactions',
      'customer_profile',
    ]);
    expect(permittedCategories(matrix, ['manager', 'ops'], 'read')).toEqual([]);
    expect(permittedCategories(matrix, ['unknown-role'], 'write')).toEqual([]);
  });

  it('a data subject reads its own record whole and writes nothing', () => {
    expect(permittedCategories(matrix, ['data_subject'], 'read')).toEqual(CATEGORY_NAMES);
    expect(permittedCategories(matrix, ['data_subject'], 'write')).toEqual([]);
  });

  it('a write to a category none of the roles may write is category-not-permitted naming the category', () => {
    expect(() => assertMayWrite(matrix, ['front_desk'], ['contact', 'consumption'])).not.toThrow();
    let error: DomainError | undefined;
    try {
      assertMayWrite(matrix, ['front_desk'], ['contact', 'health']);
    } catch (caught) {
      error = caught as DomainError;
    }
    expect({ code: error?.code, details: error?.details }).toEqual({ code: 'category-not-permitted', details: { category: 'health' } });
    expect(() => assertMayWrite(matrix, ['manager', 'auditor'], ['identity'])).toThrow(DomainError);
  });
});
