import { Category } from '../registry/categories';

export const INCIDENT_KINDS = ['compromised-account', 'unauthorised-access', 'data-leak', 'lost-device', 'malware', 'other'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export const NOTIFICATION_AUDIENCES = ['regulator', 'subjects'] as const;
export type NotificationAudience = (typeof NOTIFICATION_AUDIENCES)[number];

/**
 * A personal-information security incident (PIPL Art. 57): when it was detected, and its scope as
 * a time window and the accounts or systems involved, limited to some categories (none: all).
 * Ids, codes and times only: no PI, no free text. Who was affected is computed on demand.
 */
export interface Incident {
  incidentId: string;
  kind: IncidentKind;
  detectedAt: string;
  from: string;
  to: string;
  /** Staff accounts (token subjects) whose access was compromised: what they read or wrote in the window. */
  actors: string[];
  /** Data stores exposed in the window (identifiers): everything they held of the categories. */
  systems: string[];
  categories: Category[];
}

/** A notification sent (Art. 57): to the regulator, or to the affected subjects (how many, and a digest of the list as generated). */
export interface IncidentNotification {
  notificationId: string;
  audience: NotificationAudience;
  channel: string;
  /** The regulator's case number or the message template's id: a code, never PI. */
  reference?: string;
  notifiedAt: string;
  subjectCount?: number;
  /** Hex SHA-256 of the affected subject ids (sorted, newline-separated) the notification went to. */
  listDigest?: string;
}

/** Events of the one stream `security-incidents`. */
export type IncidentEvent =
  | { type: 'IncidentRecorded'; data: Incident & { recordedAt: string } }
  | { type: 'IncidentNotificationRecorded'; data: IncidentNotification & { incidentId: string; recordedAt: string } };

export const INCIDENTS_STREAM = 'security-incidents';
