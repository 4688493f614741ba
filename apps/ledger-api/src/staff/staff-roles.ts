import { Role, ROLES } from '@pi-ledger/access-control/roles';

/** Every role a person's account may hold: all but data_subject, which stands for a customer. */
export type StaffRole = Exclude<Role, 'data_subject'>;
export const STAFF_ROLES = ROLES.filter((role): role is StaffRole => role !== 'data_subject');
