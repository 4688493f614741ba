import { DomainError, InvalidInput } from '../domain-error';
import { Category, CATEGORY_NAMES } from '../registry/categories';
import type { AccessMatrixErrorCode } from './access-matrix.errors';
import { AccessMatrixEvent, CategoryPermissions } from './access-matrix.events';

/**
 * The category permission matrix: role × data category × read/write. A role the matrix does not
 * name may read and write nothing. `data_subject` is not in it: a data subject reads its own
 * record whole (PIPL Art. 45), which no edit of the matrix may narrow.
 */
export interface AccessMatrixState {
  roles: Record<string, CategoryPermissions>;
}

export type AccessMatrixCommand = { type: 'SeedDefaults'; now: string } | { type: 'SetRolePermissions'; role: string; read: Category[]; write: Category[]; now: string };

export const ACCESS_MATRIX_STREAM = 'access-matrix';

/** The one role no matrix narrows (its scope, its own record, is checked elsewhere). */
export const SELF_ROLE = 'data_subject';

const ALL: Category[] = [...CATEGORY_NAMES];

/** Least-privilege defaults by job (issue #13); `staff` is the former all-access role, an alias for one release. */
export const DEFAULT_ACCESS_MATRIX = {
  staff: { read: ALL, write: ALL },
  front_desk: {
    read: ['identity', 'identity_document', 'contact', 'demographics', 'employment', 'consumption', 'customer_profile'],
    write: ['identity', 'identity_document', 'contact', 'demographics', 'employment', 'consumption', 'customer_profile'],
  },
  health_manager: {
    read: ['identity', 'contact', 'health', 'health_records', 'service_interactions', 'customer_profile'],
    write: ['identity', 'contact', 'health', 'health_records', 'service_interactions', 'customer_profile'],
  },
  customer_service: {
    read: ['identity', 'contact', 'service_interactions', 'customer_profile'],
    write: ['identity', 'contact', 'service_interactions', 'customer_profile'],
  },
  manager: { read: [], write: [] },
  // as today: reads every category; writes only where its routes let it (fulfilling a rights request's correction)
  compliance_officer: { read: ALL, write: ALL },
  admin: { read: [], write: [] },
  auditor: { read: [], write: [] },
  ops: { read: [], write: [] },
} as const satisfies Record<string, { read: readonly Category[]; write: readonly Category[] }>;

export function initialAccessMatrix(): AccessMatrixState {
  return { roles: {} };
}

/** Categories in registry order, each once: a stable form for events and comparisons. */
function ordered(categories: readonly Category[]): Category[] {
  return CATEGORY_NAMES.filter((name) => categories.includes(name));
}

export function evolveAccessMatrix(state: AccessMatrixState, event: AccessMatrixEvent): AccessMatrixState {
  switch (event.type) {
    case 'RolePermissionsSet':
      return { roles: { ...state.roles, [event.data.role]: { read: event.data.read, write: event.data.write } } };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

export function decideAccessMatrix(command: AccessMatrixCommand, state: AccessMatrixState): AccessMatrixEvent[] {
  switch (command.type) {
    case 'SeedDefaults':
      if (Object.keys(state.roles).length > 0) return [];
      return Object.entries(DEFAULT_ACCESS_MATRIX).map(([role, permissions]) => ({
        type: 'RolePermissionsSet',
        data: { role, read: ordered(permissions.read), write: ordered(permissions.write), setAt: command.now },
      }));
    case 'SetRolePermissions': {
      if (command.role === SELF_ROLE) {
        throw new InvalidInput([{ path: 'role', message: 'data_subject is not in the matrix: a data subject always reads its own record whole' }]);
      }
      const read = ordered(command.read);
      const write = ordered(command.write);
      const current = Object.hasOwn(state.roles, command.role) ? state.roles[command.role] : undefined;
      if (current && same(current.read, read) && same(current.write, write)) return [];
      return [{ type: 'RolePermissionsSet', data: { role: command.role, read, write, setAt: command.now } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function same(a: readonly Category[], b: readonly Category[]): boolean {
  return a.length === b.length && a.every((category, index) => category === b[index]);
}

/** The categories any of the roles may read or write (the union over the roles); a data subject reads everything of its own. */
export function permittedCategories(state: AccessMatrixState, roles: readonly string[], access: 'read' | 'write'): Category[] {
  if (access === 'read' && roles.includes(SELF_ROLE)) return [...CATEGORY_NAMES];
  const permitted = new Set<Category>();
  for (const role of roles) {
    if (Object.hasOwn(state.roles, role)) for (const category of state.roles[role][access]) permitted.add(category);
  }
  return ordered([...permitted]);
}

/** Refuses a write to a category none of the caller's roles may write: 403 category-not-permitted, nothing written. */
export function assertMayWrite(state: AccessMatrixState, roles: readonly string[], categories: readonly Category[]): void {
  const permitted = permittedCategories(state, roles, 'write');
  const refused = categories.find((category) => !permitted.includes(category));
  if (refused !== undefined) {
    throw new DomainError<AccessMatrixErrorCode>('category-not-permitted', `your roles may not write the category ${refused}`, { category: refused });
  }
}
