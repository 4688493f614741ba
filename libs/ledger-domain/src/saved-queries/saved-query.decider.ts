import { DomainError } from '../domain-error';
import type { SavedQueryErrorCode } from './saved-query.errors';
import type { SavedQueryDefinition, SavedQueryEvent } from './saved-query.events';

export type SavedQueryState = { status: 'none' } | { status: 'saved'; departmentId: string; createdBy: string } | { status: 'deleted' };

export type SavedQueryCommand =
  | { type: 'SaveQuery'; queryId: string; name: string; departmentId: string | null; definition: SavedQueryDefinition; actor: string; now: string }
  /** `manages`: the actor manages the department's shared queries (a manager of that department), not only its own. */
  | { type: 'DeleteSavedQuery'; queryId: string; actor: string; departmentId: string | null; manages: boolean; now: string };

export const initialSavedQuery = (): SavedQueryState => ({ status: 'none' });

export function evolveSavedQuery(_state: SavedQueryState, event: SavedQueryEvent): SavedQueryState {
  switch (event.type) {
    case 'SavedQueryCreated':
      return { status: 'saved', departmentId: event.data.departmentId, createdBy: event.data.createdBy };
    case 'SavedQueryDeleted':
      return { status: 'deleted' };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const SAVED_QUERY_FOLD = { initialState: initialSavedQuery, evolve: evolveSavedQuery };

/** A query is saved for the saver's department; only its author or the department's manager deletes it, and only within the department. */
export function decideSavedQuery(command: SavedQueryCommand, state: SavedQueryState): SavedQueryEvent[] {
  switch (command.type) {
    case 'SaveQuery': {
      if (state.status !== 'none') throw new DomainError<SavedQueryErrorCode>('saved-query-exists', `saved query ${command.queryId} exists`, { queryId: command.queryId });
      if (!command.departmentId) throw new DomainError<SavedQueryErrorCode>('department-required', 'queries are saved for a department: your account belongs to none');
      const { queryId, name, departmentId, definition, actor, now } = command;
      return [{ type: 'SavedQueryCreated', data: { queryId, name, departmentId, definition, createdBy: actor, createdAt: now } }];
    }
    case 'DeleteSavedQuery': {
      if (state.status !== 'saved' || state.departmentId !== command.departmentId) {
        throw new DomainError<SavedQueryErrorCode>('saved-query-not-found', `no saved query ${command.queryId} in your department`, { queryId: command.queryId });
      }
      if (state.createdBy !== command.actor && !command.manages) {
        throw new DomainError<SavedQueryErrorCode>('not-saved-query-owner', 'only its author or a manager of the department deletes a saved query');
      }
      return [{ type: 'SavedQueryDeleted', data: { queryId: command.queryId, departmentId: state.departmentId, deletedBy: command.actor, deletedAt: command.now } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
