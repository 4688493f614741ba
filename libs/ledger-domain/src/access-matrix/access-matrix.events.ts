import { Category } from '../registry/categories';

/** What one role may read and write of a customer file, by data category. */
export interface CategoryPermissions {
  read: Category[];
  write: Category[];
}

export type AccessMatrixEvent = { type: 'RolePermissionsSet'; data: { role: string; read: Category[]; write: Category[]; setAt: string } };
