import type { FollowUpChannel } from './follow-up.events';
import type { PlanSchedule } from './plan-schedule';

export const FOLLOW_UP_PLAN_STATUSES = ['active', 'paused', 'ended'] as const;
export type FollowUpPlanStatus = (typeof FOLLOW_UP_PLAN_STATUSES)[number];

/** Why a plan ended: by staff, by its count or end date, or because the customer's records were erased. */
export type FollowUpPlanEndCause = 'ended' | 'count-reached' | 'end-date-reached' | 'subject-erased';

/**
 * Events of a recurring follow-up plan's stream (`follow-up-plan-<planId>`), 随访计划. In clear: ids,
 * the schedule, channel, assignee and department, the purpose its tasks are opened under, status
 * changes, each occurrence's task id and due date, who and when. Sealed under the customer's
 * `service_interactions` key: the reason (`V`), which every task it opens carries as its note.
 */
export type FollowUpPlanEvent<V = string> =
  | {
      type: 'FollowUpPlanCreated';
      data: {
        planId: string;
        subjectId: string;
        schedule: PlanSchedule;
        channel: FollowUpChannel;
        /** null: each task goes to the customer's health manager when it opens, else to the plan's creator. */
        assignee: string | null;
        department: string | null;
        purposeId: string;
        reason: V;
        createdBy: string;
        createdAt: string;
      };
    }
  | { type: 'FollowUpPlanPaused'; data: { planId: string; subjectId: string; pausedBy: string; pausedAt: string } }
  | { type: 'FollowUpPlanResumed'; data: { planId: string; subjectId: string; nextOccurrence: number; resumedBy: string; resumedAt: string } }
  | { type: 'FollowUpPlanOccurrenceOpened'; data: { planId: string; subjectId: string; occurrence: number; taskId: string; dueDate: string; openedBy: string; openedAt: string } }
  | { type: 'FollowUpPlanEnded'; data: { planId: string; subjectId: string; cause: FollowUpPlanEndCause; endedBy: string; endedAt: string } };

export const followUpPlanStream = (planId: string) => `follow-up-plan-${planId}`;
