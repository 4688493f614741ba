/** How a follow-up reaches the customer. */
export const FOLLOW_UP_CHANNELS = ['phone', 'sms', 'wechat', 'email', 'visit', 'other'] as const;
export type FollowUpChannel = (typeof FOLLOW_UP_CHANNELS)[number];

export const FOLLOW_UP_STATUSES = ['open', 'done', 'cancelled'] as const;
export type FollowUpStatus = (typeof FOLLOW_UP_STATUSES)[number];

/** What opened a task: staff by hand, the abnormal-result rule on a check-up (which visit, not which values), or a recurring plan's occurrence. */
export type FollowUpSource = { kind: 'manual' } | { kind: 'checkup'; visitId: string } | { kind: 'plan'; planId: string; occurrence: number };

/**
 * Events of one follow-up task's stream (`follow-up-<taskId>`), 回访. In clear: ids, the due date,
 * assignee and department, channel, status changes, who and when, what opened it, an escalation and to whom. Sealed under the
 * customer's `service_interactions` key: the note saying what to follow up, the outcome, and the
 * reason of a cancellation (`V`).
 */
export type FollowUpEvent<V = string> =
  | {
      type: 'FollowUpOpened';
      data: {
        taskId: string;
        subjectId: string;
        dueDate: string;
        assignee: string;
        department: string | null;
        channel: FollowUpChannel;
        source: FollowUpSource;
        note?: V;
        openedBy: string;
        openedAt: string;
      };
    }
  | { type: 'FollowUpReassigned'; data: { taskId: string; subjectId: string; assignee: string; department: string | null; reassignedBy: string; reassignedAt: string } }
  | { type: 'FollowUpCompleted'; data: { taskId: string; subjectId: string; outcome: V; completedBy: string; completedAt: string } }
  | { type: 'FollowUpCancelled'; data: { taskId: string; subjectId: string; reason: V; cancelledBy: string; cancelledAt: string } }
  /** Still open `delayDays` days after it became overdue: raised to the head of its department (null: the department has none). */
  | {
      type: 'FollowUpTaskEscalated';
      data: {
        taskId: string;
        subjectId: string;
        department: string | null;
        escalatedTo: string | null;
        dueDate: string;
        delayDays: number;
        escalatedBy: string;
        escalatedAt: string;
      };
    };

export const followUpStream = (taskId: string) => `follow-up-${taskId}`;

export const FOLLOW_UP_CATEGORY = 'service_interactions';
