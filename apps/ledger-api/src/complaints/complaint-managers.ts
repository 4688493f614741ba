import { Injectable } from '@nestjs/common';
import { StaffAccounts } from '@pi-ledger/access-control/staff-accounts/staff-accounts';
import { DepartmentsService } from '../departments/departments.service';

/**
 * Whom a complaint escalates to: its department's head (the department's `managerId`) and every
 * active staff account holding the role `manager` in that department, sorted, once each. A
 * complaint without a department, or a department without either, escalates to nobody by name:
 * the escalation is still recorded and counted, and the department's queue shows it.
 */
@Injectable()
export class ComplaintManagers {
  constructor(
    private readonly departments: DepartmentsService,
    private readonly accounts: StaffAccounts,
  ) {}

  /**
   * `of`, each department's answer read once: for a sweep over many complaints, which would
   * otherwise open every staff account once per complaint.
   */
  memoized(): (departmentId: string | null) => Promise<string[]> {
    const answers = new Map<string | null, Promise<string[]>>();
    return (departmentId) => {
      let answer = answers.get(departmentId);
      if (!answer) answers.set(departmentId, (answer = this.of(departmentId)));
      return answer;
    };
  }

  async of(departmentId: string | null): Promise<string[]> {
    if (departmentId === null) return [];
    const head = (await this.departments.find(departmentId))?.managerId ?? null;
    const managers = (await this.accounts.list())
      .map(({ account }) => account)
      .filter((account) => account.status === 'active' && account.departmentId === departmentId && account.roles.includes('manager'))
      .map((account) => account.staffId);
    return [...new Set([...(head ? [head] : []), ...managers])].sort();
  }
}
