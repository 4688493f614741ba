import { EventStore1763900000000 } from './migrations/1763900000000-event-store';
import { PiiVault1763900001000 } from './migrations/1763900001000-pii-vault';
import { SubjectCommands1763900002000 } from './migrations/1763900002000-subject-commands';
import { Projections1763900004000 } from './migrations/1763900004000-projections';
import { Audit1763900003000 } from './migrations/1763900003000-audit';
import { ReadModels1763900005000 } from './migrations/1763900005000-read-models';
import { RightsRequests1763900007000 } from './migrations/1763900007000-rights-requests';
import { AppendPlan1763900008000 } from './migrations/1763900008000-append-plan';
import { Erasure1763900006000 } from './migrations/1763900006000-erasure';
import { VaultKeyBatch1763900009000 } from './migrations/1763900009000-vault-key-batch';
import { AppendStatement1763900010000 } from './migrations/1763900010000-append-statement';
import { AuditLeafIndex1763900011000 } from './migrations/1763900011000-audit-leaf-index';
import { VaultSubjectKeys1763900012000 } from './migrations/1763900012000-vault-subject-keys';
import { ProjectionQuarantine1763900013000 } from './migrations/1763900013000-projection-quarantine';
import { SealedProfile1763900014000 } from './migrations/1763900014000-sealed-profile';
import { StaffAccounts1763900020000 } from './migrations/1763900020000-staff-accounts';
import { AuthRevocations1763900030000 } from './migrations/1763900030000-auth-revocations';
import { Assignment1763900040000 } from './migrations/1763900040000-assignment';
import { CustomerNumbers1763900060000 } from './migrations/1763900060000-customer-numbers';
import { CheckupVisits1763900061000 } from './migrations/1763900061000-checkup-visits';
import { ServiceRecords1763900062000 } from './migrations/1763900062000-service-records';
import { FollowUpTasks1763900063000 } from './migrations/1763900063000-follow-up-tasks';
import { Orders1763900090000 } from './migrations/1763900090000-orders';
import { Complaints1763900070000 } from './migrations/1763900070000-complaints';
import { FollowUpPlans1763900100000 } from './migrations/1763900100000-follow-up-plans';
import { CustomerFile1763900110000 } from './migrations/1763900110000-customer-file';
import { OutboxAndSurveys1763900080000 } from './migrations/1763900080000-outbox-and-surveys';
import { ImportJobs1763900130000 } from './migrations/1763900130000-import-jobs';
import { ReportFacts1763900200000 } from './migrations/1763900200000-report-facts';
import { RfmGrades1763900600000 } from './migrations/1763900600000-rfm-grades';
import { QueryIndexes1763900610000 } from './migrations/1763900610000-query-indexes';
import { DuplicateCandidates1763900140000 } from './migrations/1763900140000-duplicate-candidates';
import { AccessLogExport1763900170000 } from './migrations/1763900170000-access-log-export';
import { CustomerQuery1763900190000 } from './migrations/1763900190000-customer-query';
import { CustomerNumberAliases1763900500000 } from './migrations/1763900500000-customer-number-aliases';

/** Every schema change, in order. Never edit an applied migration: add a new one. */
export const LEDGER_MIGRATIONS = [
  EventStore1763900000000,
  PiiVault1763900001000,
  SubjectCommands1763900002000,
  Audit1763900003000,
  Projections1763900004000,
  ReadModels1763900005000,
  Erasure1763900006000,
  RightsRequests1763900007000,
  AppendPlan1763900008000,
  VaultKeyBatch1763900009000,
  AppendStatement1763900010000,
  AuditLeafIndex1763900011000,
  VaultSubjectKeys1763900012000,
  ProjectionQuarantine1763900013000,
  SealedProfile1763900014000,
  StaffAccounts1763900020000,
  AuthRevocations1763900030000,
  Assignment1763900040000,
  CustomerNumbers1763900060000,
  CheckupVisits1763900061000,
  ServiceRecords1763900062000,
  FollowUpTasks1763900063000,
  Complaints1763900070000,
  OutboxAndSurveys1763900080000,
  Orders1763900090000,
  FollowUpPlans1763900100000,
  CustomerFile1763900110000,
  ImportJobs1763900130000,
  DuplicateCandidates1763900140000,
  AccessLogExport1763900170000,
  CustomerQuery1763900190000,
  ReportFacts1763900200000,
  CustomerNumberAliases1763900500000,
  RfmGrades1763900600000,
  QueryIndexes1763900610000,
];
