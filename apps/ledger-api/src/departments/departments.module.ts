import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { DepartmentErrorCode } from '@pi-ledger/ledger-domain/departments/department.errors';
import { DepartmentsService } from './departments.service';
import { DepartmentsHttpController } from './departments.http.controller';

registerProblemCodes({
  'department-not-found': { status: 404, title: 'Department not found' },
  'department-code-taken': { status: 409, title: 'Department code taken' },
  'department-inactive': { status: 409, title: 'Department deactivated' },
} satisfies Record<DepartmentErrorCode, unknown>);

/** The centre's departments, kept by admin as events; customers are assigned to them (subjects/assignment). */
@Module({
  controllers: [DepartmentsHttpController],
  providers: [DepartmentsService],
  exports: [DepartmentsService],
})
export class DepartmentsModule {}
