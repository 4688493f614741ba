import type { MessageKey } from '../i18n/messages';
import '../i18n/admin-words'; // the words of the menus' admin, ops, compliance and import entries

/** Job roles that work with customer files (libs/access-control/src/roles.ts, FILE_ROLES). */
export const FILE_ROLES = ['staff', 'front_desk', 'health_manager', 'customer_service'] as const;

export interface MenuEntry {
  path: string;
  label: MessageKey;
  roles: readonly string[];
}

/** Which pages exist for whom; the API refuses the rest anyway, so a menu never offers a door that is locked. */
export const MENU: readonly MenuEntry[] = [
  { path: '/', label: 'menu.home', roles: [] },
  { path: '/customers', label: 'menu.search', roles: [...FILE_ROLES, 'compliance_officer'] },
  { path: '/customers/new', label: 'menu.register', roles: FILE_ROLES },
  // the combined query (POST /v1/subjects/query): the roles that may query
  { path: '/query', label: 'menu.query', roles: [...FILE_ROLES, 'compliance_officer'] },
  { path: '/duplicates', label: 'menu.duplicates', roles: [...FILE_ROLES, 'compliance_officer'] },
  // work queues carry no customer's data: no purpose asked; the manager sees the department's, not a file
  { path: '/work/my-follow-ups', label: 'menu.myFollowUps', roles: ['staff', 'health_manager', 'customer_service'] },
  { path: '/work/overdue-follow-ups', label: 'menu.overdueFollowUps', roles: ['staff', 'health_manager', 'customer_service', 'manager'] },
  { path: '/work/complaints', label: 'menu.complaints', roles: ['staff', 'health_manager', 'customer_service', 'manager'] },
  { path: '/rights', label: 'menu.rights', roles: ['staff', 'compliance_officer'] },
  { path: '/audit', label: 'menu.audit', roles: ['auditor', 'compliance_officer'] },
  { path: '/reports', label: 'menu.reports', roles: ['manager', 'admin', 'compliance_officer'] },
  // imports register customers: the file roles; a compliance officer reads jobs over the API, not here
  { path: '/imports', label: 'menu.imports', roles: ['staff', 'front_desk'] },
  { path: '/compliance/legal-holds', label: 'menu.legalHolds', roles: ['compliance_officer', 'admin', 'auditor'] },
  { path: '/compliance/access-log', label: 'menu.accessLog', roles: ['compliance_officer', 'auditor'] },
  { path: '/compliance/break-glass', label: 'menu.breakGlass', roles: ['compliance_officer', 'auditor'] },
  { path: '/compliance/assessments', label: 'menu.assessments', roles: ['compliance_officer', 'auditor'] },
  { path: '/compliance/incidents', label: 'menu.incidents', roles: ['compliance_officer', 'auditor'] },
  { path: '/admin/staff', label: 'menu.staff', roles: ['admin'] },
  { path: '/admin/departments', label: 'menu.departments', roles: ['admin'] },
  { path: '/admin/access-matrix', label: 'menu.accessMatrix', roles: ['admin', 'compliance_officer', 'auditor'] },
  { path: '/admin/registry', label: 'menu.registry', roles: ['admin'] },
  { path: '/ops/projections', label: 'menu.projections', roles: ['ops'] },
  // bulk export (POST /v1/exports): the roles the API admits
  { path: '/exports', label: 'menu.exports', roles: [...FILE_ROLES, 'compliance_officer'] },
];

export function menuFor(roles: readonly string[]): MenuEntry[] {
  return MENU.filter((entry) => entry.roles.length === 0 || entry.roles.some((role) => roles.includes(role)));
}
