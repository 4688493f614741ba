/**
 * The ledger's roles; what each may do is in docs (api-contract, "Auth"; api.md, "Roles and the category permission matrix").
 * A staff account (/v1/staff) may hold any of them but `data_subject`; its sign-in tokens carry the account's current roles.
 */
export const ROLES = ['staff', 'front_desk', 'health_manager', 'customer_service', 'manager', 'compliance_officer', 'admin', 'auditor', 'ops', 'data_subject'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The centre's jobs that work with customer files. `staff` is the former single role, kept as an
 * alias with full access for one release; the category permission matrix narrows each job.
 */
export const FILE_ROLES = ['staff', 'front_desk', 'health_manager', 'customer_service'] as const satisfies readonly Role[];

const KNOWN = new Set<string>(ROLES);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && KNOWN.has(value);
}
