/** The ledger's roles; what each may do is in docs (api-contract, "Auth"). */
export const ROLES = ['staff', 'compliance_officer', 'admin', 'auditor', 'ops', 'data_subject'] as const;
export type Role = (typeof ROLES)[number];

const KNOWN = new Set<string>(ROLES);

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && KNOWN.has(value);
}
