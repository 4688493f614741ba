import { DomainError } from '../domain-error';
import { purposeOf, RegistryState } from '../registry/registry.decider';
import type { AssessmentErrorCode } from './assessment.errors';
import { AssessmentContent, AssessmentEvent, CoveringAssessment, MAINLAND } from './assessment.events';

/** Records of assessments are kept at least three years (PIPL Art. 56). */
export const ASSESSMENT_RETENTION_YEARS = 3;

export interface AssessmentVersion extends AssessmentContent {
  version: number;
  recordedAt: string;
  approval?: { approvedBy: string; approvedAt: string; expiresAt: string };
}

export interface AssessmentRecord {
  assessmentId: string;
  versions: AssessmentVersion[];
}

export interface AssessmentState {
  assessments: Record<string, AssessmentRecord>;
}

export type AssessmentCommand =
  | { type: 'RecordAssessment'; assessmentId: string; content: AssessmentContent; registry: Pick<RegistryState, 'purposes'>; now: string }
  | { type: 'ApproveAssessment'; assessmentId: string; version: number; approvedBy: string; expiresAt: string; now: string };

export const initialAssessments = (): AssessmentState => ({ assessments: {} });

export function evolveAssessments(state: AssessmentState, event: AssessmentEvent): AssessmentState {
  switch (event.type) {
    case 'AssessmentRecorded': {
      const { assessmentId, ...version } = event.data;
      const record = state.assessments[assessmentId] ?? { assessmentId, versions: [] };
      return { assessments: { ...state.assessments, [assessmentId]: { assessmentId, versions: [...record.versions, version] } } };
    }
    case 'AssessmentApproved': {
      const { assessmentId, version, ...approval } = event.data;
      const record = state.assessments[assessmentId];
      if (!record) return state;
      const versions = record.versions.map((v) => (v.version === version ? { ...v, approval } : v));
      return { assessments: { ...state.assessments, [assessmentId]: { assessmentId, versions } } };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideAssessment(command: AssessmentCommand, state: AssessmentState): AssessmentEvent[] {
  const record = Object.hasOwn(state.assessments, command.assessmentId) ? state.assessments[command.assessmentId] : undefined;
  switch (command.type) {
    case 'RecordAssessment': {
      const { content, assessmentId, now } = command;
      if (!purposeOf(command.registry, content.purposeId)) {
        throw new DomainError<'unknown-purpose'>('unknown-purpose', `unknown purpose ${content.purposeId}`, { purposeId: content.purposeId });
      }
      const latest = record?.versions.at(-1);
      // an assessment assesses one activity under one purpose; another purpose is another assessment
      if (latest && latest.purposeId !== content.purposeId) {
        throw new DomainError<AssessmentErrorCode>('assessment-purpose-fixed', `assessment ${assessmentId} assesses purpose ${latest.purposeId}`, {
          assessmentId,
          purposeId: latest.purposeId,
        });
      }
      return [{ type: 'AssessmentRecorded', data: { assessmentId, version: (latest?.version ?? 0) + 1, ...content, recordedAt: now } }];
    }
    case 'ApproveAssessment': {
      const { assessmentId, version, now } = command;
      if (!record) throw new DomainError<AssessmentErrorCode>('assessment-not-found', `no assessment ${assessmentId}`, { assessmentId });
      const latest = record.versions[record.versions.length - 1];
      if (latest.version !== version) {
        throw new DomainError<AssessmentErrorCode>('assessment-version-outdated', `version ${version} is not the latest (${latest.version})`, {
          assessmentId,
          latestVersion: latest.version,
        });
      }
      if (latest.approval) return []; // approving twice changes nothing
      if (latest.conclusion === 'not-acceptable') {
        throw new DomainError<AssessmentErrorCode>('assessment-not-acceptable', 'an assessment concluding the risk is not acceptable cannot be approved', {
          assessmentId,
          version,
        });
      }
      if (Date.parse(command.expiresAt) <= Date.parse(now)) {
        throw new DomainError<AssessmentErrorCode>('assessment-expiry-passed', 'the approval would already have expired', {
          errors: [{ path: 'expiresAt', message: 'must be after now' }],
        });
      }
      return [{ type: 'AssessmentApproved', data: { assessmentId, version, approvedBy: command.approvedBy, approvedAt: now, expiresAt: command.expiresAt } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/**
 * The version that covers the purpose: the latest approved one, while a revision awaits approval;
 * none once the latest version concludes the risk is not acceptable.
 */
export function approvedVersion(record: AssessmentRecord): AssessmentVersion | undefined {
  if (record.versions[record.versions.length - 1].conclusion === 'not-acceptable') return undefined;
  return record.versions.findLast((v) => v.approval !== undefined);
}

/** Whether the assessment covers its purpose at `now`, and if not why. */
export function assessmentStatus(record: AssessmentRecord, now: string): 'draft' | 'approved' | 'expired' | 'not-acceptable' {
  const approved = approvedVersion(record);
  if (approved) return Date.parse(approved.approval!.expiresAt) > Date.parse(now) ? 'approved' : 'expired';
  return record.versions[record.versions.length - 1].conclusion === 'not-acceptable' ? 'not-acceptable' : 'draft';
}

/** Until when the record must be kept: three years after its last version was recorded or its approval ended, whichever is later. */
export function retainUntil(record: AssessmentRecord): string {
  const last = Math.max(...record.versions.flatMap((v) => [Date.parse(v.recordedAt), v.approval ? Date.parse(v.approval.expiresAt) : 0]));
  const until = new Date(last);
  until.setUTCFullYear(until.getUTCFullYear() + ASSESSMENT_RETENTION_YEARS);
  return until.toISOString();
}

/**
 * Purposes covered at `now`, each with its approved, unexpired assessments: a revision awaiting
 * approval does not cover, nor does an approval that has expired.
 */
export function coveringAssessments(state: AssessmentState, now: string): Record<string, CoveringAssessment[]> {
  const covered: Record<string, CoveringAssessment[]> = {};
  for (const record of Object.values(state.assessments)) {
    const approved = approvedVersion(record);
    if (!approved || assessmentStatus(record, now) !== 'approved') continue;
    const crossBorderCountries = [...new Set(approved.recipients.filter((r) => r.country !== MAINLAND).map((r) => r.country))];
    (covered[approved.purposeId] ??= []).push({ assessmentId: record.assessmentId, version: approved.version, expiresAt: approved.approval!.expiresAt, crossBorderCountries });
  }
  return covered;
}
