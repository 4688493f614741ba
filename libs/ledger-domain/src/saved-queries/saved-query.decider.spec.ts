import { DomainError } from '../domain-error';
import { decideSavedQuery, evolveSavedQuery, initialSavedQuery, SavedQueryCommand, SavedQueryState } from './saved-query.decider';
import type { SavedQueryEvent } from './saved-query.events';

const NOW = '2026-06-01T02:00:00.000Z';
const DEPT = '0190aaaa-0000-7000-8000-00000000000d';
const save: SavedQueryCommand = {
  type: 'SaveQuery',
  queryId: 'q1',
  name: '高血压随访',
  departmentId: DEPT,
  definition: { where: { field: 'tier', op: 'eq', value: 'gold' } },
  actor: 'hm-1',
  now: NOW,
};
const remove = (overrides: Partial<Extract<SavedQueryCommand, { type: 'DeleteSavedQuery' }>> = {}): SavedQueryCommand => ({
  type: 'DeleteSavedQuery',
  queryId: 'q1',
  actor: 'hm-1',
  departmentId: DEPT,
  manages: false,
  now: NOW,
  ...overrides,
});
const given = (events: SavedQueryEvent[]): SavedQueryState => events.reduce(evolveSavedQuery, initialSavedQuery());
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('saved query decider', () => {
  const created = decideSavedQuery(save, initialSavedQuery());

  it('saves a query for the saver’s department', () => {
    expect(created).toEqual([
      { type: 'SavedQueryCreated', data: { queryId: 'q1', name: '高血压随访', departmentId: DEPT, definition: save.definition, createdBy: 'hm-1', createdAt: NOW } },
    ]);
  });

  it('refuses a saver without a department, and the same id twice', () => {
    expect(codeOf(() => decideSavedQuery({ ...save, departmentId: null }, initialSavedQuery()))).toBe('department-required');
    expect(codeOf(() => decideSavedQuery(save, given(created)))).toBe('saved-query-exists');
  });

  it('is deleted by its author or the department’s manager, never from another department, and once', () => {
    expect(decideSavedQuery(remove(), given(created))).toEqual([{ type: 'SavedQueryDeleted', data: { queryId: 'q1', departmentId: DEPT, deletedBy: 'hm-1', deletedAt: NOW } }]);
    expect(decideSavedQuery(remove({ actor: 'mgr', manages: true }), given(created))[0].type).toBe('SavedQueryDeleted');
    expect(codeOf(() => decideSavedQuery(remove({ actor: 'hm-2' }), given(created)))).toBe('not-saved-query-owner');
    expect(codeOf(() => decideSavedQuery(remove({ departmentId: 'other' }), given(created)))).toBe('saved-query-not-found');
    const deleted = decideSavedQuery(remove(), given(created));
    expect(codeOf(() => decideSavedQuery(remove(), given([...created, ...deleted])))).toBe('saved-query-not-found');
    expect(codeOf(() => decideSavedQuery(remove(), initialSavedQuery()))).toBe('saved-query-not-found');
  });
});
