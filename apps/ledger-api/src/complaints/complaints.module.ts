import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { ComplaintErrorCode } from '@pi-ledger/ledger-domain/complaints/complaint.errors';
import { ComplaintQueries } from '@pi-ledger/read-models/projections/complaints/complaints.queries';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { DepartmentsModule } from '../departments/departments.module';
import { StaffModule } from '../staff/staff.module';
import { ComplaintsHttpController } from './complaints.http.controller';
import { ComplaintDeadlinesHttpController } from './complaint-deadlines.http.controller';
import { ComplaintDeadlinesService } from './complaint-deadlines.service';
import { ComplaintManagers } from './complaint-managers';
import { ComplaintsService } from './complaints.service';
import { ComplaintsMetrics } from './complaints.metrics';
import { complaintEscalationIntervalProvider, ComplaintEscalationSweep } from './complaint-escalation.sweep';

registerProblemCodes({
  'complaint-not-found': { status: 404, title: 'Complaint not found' },
  'complaint-exists': { status: 409, title: 'Complaint already exists' },
  'complaint-invalid-transition': { status: 409, title: 'The complaint’s status does not allow this step' },
} satisfies Record<ComplaintErrorCode, unknown>);

/** Complaints (投诉): per customer, the queue, deadlines by severity, the escalation sweep and the overdue metric. */
@Module({
  imports: [SubjectRecordsModule, SubjectsModule, DepartmentsModule, StaffModule],
  controllers: [ComplaintsHttpController, ComplaintDeadlinesHttpController],
  providers: [ComplaintsService, ComplaintQueries, ComplaintDeadlinesService, ComplaintManagers, ComplaintsMetrics, complaintEscalationIntervalProvider, ComplaintEscalationSweep],
  exports: [ComplaintsService],
})
export class ComplaintsModule {}
