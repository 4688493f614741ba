import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { IncidentErrorCode } from '@pi-ledger/ledger-domain/incidents/incident.errors';
import { SubjectsModule } from '../../subjects/subjects.module';
import { AffectedSubjectsQuery } from './affected-subjects.query';
import { IncidentsHttpController } from './incidents.http.controller';
import { IncidentsService } from './incidents.service';

registerProblemCodes({
  'incident-not-found': { status: 404, title: 'Incident not found' },
  'incident-scope-empty': { status: 422, title: 'An incident names the accounts or systems involved' },
  'notification-exists': { status: 409, title: 'Notification already recorded' },
} satisfies Record<IncidentErrorCode, unknown>);

/** Breach response (PIPL Art. 57): incident records, who they affected computed from the log, and the notifications sent. */
@Module({
  imports: [SubjectsModule],
  controllers: [IncidentsHttpController],
  providers: [IncidentsService, AffectedSubjectsQuery],
  exports: [IncidentsService],
})
export class IncidentsModule {}
