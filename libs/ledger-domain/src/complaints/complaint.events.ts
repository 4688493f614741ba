/** How a complaint reached the centre. */
export const COMPLAINT_CHANNELS = ['phone', 'walk_in', 'wechat', 'email', 'letter', 'website', 'hotline_12345', 'other'] as const;
export type ComplaintChannel = (typeof COMPLAINT_CHANNELS)[number];

/** What it is about: a closed list so that reports can count by category. */
export const COMPLAINT_CATEGORIES = ['service_attitude', 'waiting_time', 'billing', 'checkup_quality', 'report', 'privacy', 'facilities', 'appointment', 'other'] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const COMPLAINT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type ComplaintSeverity = (typeof COMPLAINT_SEVERITIES)[number];

export const COMPLAINT_STATUSES = ['received', 'assigned', 'in_progress', 'replied', 'closed'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

/** The customer's key a complaint's texts are sealed under: `health_records` when it is marked as holding health data. */
export type ComplaintTextCategory = 'service_interactions' | 'health_records';
export const COMPLAINT_CATEGORY: ComplaintTextCategory = 'service_interactions';

/** A text of the complaint with the vault category it is sealed under (the declaration's `@category`). */
export interface ComplaintText<V> {
  category: ComplaintTextCategory;
  text: V;
}

/** What made an escalation: a deadline that passed (once per deadline), or someone by hand. */
export type EscalationTrigger = 'reply_deadline' | 'resolution_deadline' | 'manual';

/**
 * Events of one complaint's stream (`complaint-<complaintId>`), 投诉. In clear: ids, channel,
 * category, severity, status changes, handler and department, deadlines, the customer's
 * satisfaction score (1–5), escalations and their recipients, who and when. Sealed under the
 * customer's key for the complaint's text category (`V`): the description, notes, the reply, the
 * reason of a reopening or a manual escalation.
 */
export type ComplaintEvent<V = string> =
  | {
      type: 'ComplaintReceived';
      data: {
        complaintId: string;
        subjectId: string;
        channel: ComplaintChannel;
        category: ComplaintCategory;
        severity: ComplaintSeverity;
        serviceRecordId: string | null;
        holdsHealthData: boolean;
        department: string | null;
        description: ComplaintText<V>;
        replyDueAt: string;
        resolutionDueAt: string;
        receivedBy: string;
        receivedAt: string;
      };
    }
  | { type: 'ComplaintAssigned'; data: { complaintId: string; subjectId: string; handler: string; department: string | null; assignedBy: string; assignedAt: string } }
  | { type: 'ComplaintStarted'; data: { complaintId: string; subjectId: string; startedBy: string; startedAt: string } }
  | { type: 'ComplaintNoted'; data: { complaintId: string; subjectId: string; note: ComplaintText<V>; notedBy: string; notedAt: string } }
  | { type: 'ComplaintReplied'; data: { complaintId: string; subjectId: string; reply: ComplaintText<V>; repliedBy: string; repliedAt: string } }
  | { type: 'ComplaintClosed'; data: { complaintId: string; subjectId: string; satisfaction: number | null; closedBy: string; closedAt: string } }
  | {
      type: 'ComplaintReopened';
      data: { complaintId: string; subjectId: string; reason: ComplaintText<V>; replyDueAt: string; resolutionDueAt: string; reopenedBy: string; reopenedAt: string };
    }
  | {
      type: 'ComplaintEscalated';
      data: {
        complaintId: string;
        subjectId: string;
        trigger: EscalationTrigger;
        /** The deadline that passed; null for a manual escalation. */
        dueAt: string | null;
        department: string | null;
        escalatedTo: string[];
        reason?: ComplaintText<V>;
        escalatedBy: string;
        escalatedAt: string;
      };
    };

export const complaintStream = (complaintId: string) => `complaint-${complaintId}`;
