/** Shapes of the admin, ops, compliance and import answers the console reads (docs/api.md). */

import { ROLES } from '../../../../../libs/access-control/src/roles';

/** Every role a staff account may hold: the API's list without data_subject. */
export const STAFF_ROLE_NAMES = ROLES.filter((role) => role !== 'data_subject');

export interface StaffAccount {
  staffId: string;
  username: string;
  displayName: string;
  roles: string[];
  departmentId: string | null;
  status: 'active' | 'disabled';
  passwordChangeRequired: boolean;
  mfa: 'none' | 'pending' | 'enrolled';
  mfaRequired: boolean;
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface StaffSession {
  sessionId: string;
  createdAt: string;
  refreshedAt: string;
  expiresAt: string;
  current: boolean;
}

export interface StaffLogin {
  sequence: number;
  outcome: string;
  at: string;
  reason?: string;
  mfa?: boolean;
}

export interface Department {
  departmentId: string;
  code: string;
  name: string;
  managerId: string | null;
  status: 'active' | 'inactive';
  version: number;
}

export interface AccessMatrix {
  roles: Record<string, { read: string[]; write: string[] }>;
}

export interface RegistryPurpose {
  id: string;
  name: string;
  description: string;
  legalBasis: string;
  categories: string[];
  necessaryForService: boolean;
  retentionDays?: number;
  requiresAssessment?: boolean;
  automatedDecisionMaking?: boolean;
}

export interface NoticeSummary {
  version: string;
  contentHash: string;
  purposeIds: string[];
  publishedAt: string;
}

export interface RegistryCategory {
  name: string;
  fields: string[];
  sensitive: boolean;
  retentionAfterEndDays: number;
}

export interface ProjectionView {
  name: string;
  version: number;
  generation: number;
  status: string;
  checkpoint: { position: number };
  lagEvents: number;
  lastError?: string;
  quarantinedStreams: number;
  updatedAt: string;
}

export interface RebuildProgress {
  projection: string;
  state: 'running' | 'completed' | 'failed';
  done: number;
  total: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
  generation: number | null;
  quarantined: number;
  failure: string | null;
}

export interface LegalHold {
  holdId: string;
  subjectId?: string;
  categories: string[];
  basis: string;
  until: string;
  status: 'active' | 'released' | 'expired';
  placedAt: string;
  releasedAt?: string;
}

export interface BreakGlassEntry {
  breakGlassId: string;
  subjectId: string;
  actor: string;
  roles: string[];
  actorDepartmentId: string | null;
  reason: string;
  access: 'read' | 'write';
  usedAt: string;
  hasNote: boolean;
  note?: string;
}

export interface AccessLogEntry {
  accessId: string;
  subjectId: string;
  actor: string;
  purposeId: string | null;
  categories: string[];
  revealed: string[];
  via: string;
  breakGlass: string | null;
  accessedAt: string;
}

export interface Assessment {
  assessmentId: string;
  purposeId: string;
  activity: string;
  version: number;
  status: string;
  approvedVersion: number | null;
  expiresAt: string | null;
  recordedAt: string;
  categories?: string[];
  recipients?: { name: string; country: string; role: string }[];
  risks?: string[];
  measures?: string[];
  conclusion?: string;
}

export interface Incident {
  incidentId: string;
  kind: string;
  detectedAt: string;
  from: string;
  to: string;
  actors: string[];
  systems?: string[];
  categories?: string[];
  notifications: { notificationId?: string; audience: string; channel: string; reference?: string; notifiedAt: string; subjectCount?: number; listDigest?: string }[];
}

export interface ImportJob {
  jobId: string;
  state: 'queued' | 'running' | 'completed' | 'cancelled' | 'failed';
  dryRun: boolean;
  failure: string | null;
  unknownColumns: string[];
  rows: { read: number; total: number | null; imported: number; updated: number; skipped: number; refused: number; flagged: number; duplicates: number };
  progress: { bytesRead: number; fileBytes: number };
  rowsPerSecond: number | null;
  etaSeconds: number | null;
}

/** A row of an import that matched a customer (GET /v1/imports/{id}/duplicates): which, by what, and what the policy did. */
export interface ImportDuplicate {
  row: number;
  outcome: 'skipped' | 'updated' | 'imported' | 'refused';
  match: { subjectId: string; customerNumber?: string | null; reasons: string[]; sourceRow?: number | null; candidates: number };
}

export interface ImportProblem {
  row: number;
  column: string | null;
  code: string;
  message: string;
}
