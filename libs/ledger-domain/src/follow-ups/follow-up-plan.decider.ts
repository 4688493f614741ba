import { DomainError, FieldProblem, InvalidInput } from '../domain-error';
import { isRealDate } from '../validation/resident-id';
import type { FollowUpErrorCode } from './follow-up.errors';
import type { FollowUpChannel } from './follow-up.events';
import { FollowUpPlanEvent, FollowUpPlanStatus } from './follow-up-plan.events';
import { dueDateOf, exhaustedBy, firstOccurrenceDueFrom, openDateOf, PlanSchedule } from './plan-schedule';

interface Context {
  planId: string;
  actor: string;
  now: string;
  /** The decision's date in China. */
  today: string;
}

export type FollowUpPlanCommand =
  | (Context & {
      type: 'CreateFollowUpPlan';
      subjectId: string;
      schedule: PlanSchedule;
      channel: FollowUpChannel;
      assignee: string | null;
      department: string | null;
      purposeId: string;
      reason: string;
    })
  | (Context & { type: 'PauseFollowUpPlan' })
  | (Context & { type: 'ResumeFollowUpPlan' })
  | (Context & { type: 'EndFollowUpPlan'; cause: 'ended' | 'subject-erased' })
  /** The sweep opened the task of `occurrence`: the plan moves on to the next. */
  | (Context & { type: 'RecordPlanOccurrence'; occurrence: number; taskId: string });

export type FollowUpPlanState =
  | { status: 'absent' }
  | {
      status: FollowUpPlanStatus;
      planId: string;
      subjectId: string;
      schedule: PlanSchedule;
      channel: FollowUpChannel;
      assignee: string | null;
      department: string | null;
      purposeId: string;
      createdBy: string;
      /** As stored: sealed on the write side. */
      reason: unknown;
      nextOccurrence: number;
    };

export const initialFollowUpPlanState = (): FollowUpPlanState => ({ status: 'absent' });

export function evolveFollowUpPlan(state: FollowUpPlanState, event: FollowUpPlanEvent<unknown>): FollowUpPlanState {
  if (event.type === 'FollowUpPlanCreated') {
    const { planId, subjectId, schedule, channel, assignee, department, purposeId, createdBy, reason } = event.data;
    return { status: 'active', planId, subjectId, schedule, channel, assignee, department, purposeId, createdBy, reason, nextOccurrence: 1 };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'FollowUpPlanPaused':
      return { ...state, status: 'paused' };
    case 'FollowUpPlanResumed':
      return { ...state, status: 'active', nextOccurrence: event.data.nextOccurrence };
    case 'FollowUpPlanOccurrenceOpened':
      return { ...state, nextOccurrence: Math.max(state.nextOccurrence, event.data.occurrence + 1) };
    case 'FollowUpPlanEnded':
      return { ...state, status: 'ended' };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** The occurrence whose task is to be opened on `today`, if any: the plan is active, has it, and its open date has come. */
export function dueOccurrence(state: FollowUpPlanState, today: string): { occurrence: number; dueDate: string } | undefined {
  if (state.status !== 'active') return undefined;
  const occurrence = state.nextOccurrence;
  if (exhaustedBy(state.schedule, occurrence) !== null || openDateOf(state.schedule, occurrence) > today) return undefined;
  return { occurrence, dueDate: dueDateOf(state.schedule, occurrence) };
}

export function decideFollowUpPlan(command: FollowUpPlanCommand, state: FollowUpPlanState): FollowUpPlanEvent[] {
  const { planId, actor, now } = command;
  if (command.type === 'CreateFollowUpPlan') {
    if (state.status !== 'absent') throw new DomainError<FollowUpErrorCode>('follow-up-plan-exists', `plan ${planId} exists already`, { planId });
    assertValidSchedule(command.schedule, command.today);
    const { subjectId, schedule, channel, assignee, department, purposeId, reason } = command;
    return [{ type: 'FollowUpPlanCreated', data: { planId, subjectId, schedule, channel, assignee, department, purposeId, reason, createdBy: actor, createdAt: now } }];
  }
  if (state.status === 'absent') throw new DomainError<FollowUpErrorCode>('follow-up-plan-not-found', 'no such follow-up plan', { planId });
  const { subjectId } = state;
  const ended = (cause: 'ended' | 'count-reached' | 'end-date-reached' | 'subject-erased'): FollowUpPlanEvent => ({
    type: 'FollowUpPlanEnded',
    data: { planId, subjectId, cause, endedBy: actor, endedAt: now },
  });
  switch (command.type) {
    case 'RecordPlanOccurrence': {
      // recorded once: a sweep that crashed after opening the task, or a second sweep, changes nothing
      if (command.occurrence !== state.nextOccurrence) return [];
      const { occurrence, taskId } = command;
      const opened: FollowUpPlanEvent = {
        type: 'FollowUpPlanOccurrenceOpened',
        data: { planId, subjectId, occurrence, taskId, dueDate: dueDateOf(state.schedule, occurrence), openedBy: actor, openedAt: now },
      };
      const cause = state.status === 'active' ? exhaustedBy(state.schedule, occurrence + 1) : null;
      return cause ? [opened, ended(cause)] : [opened];
    }
    case 'EndFollowUpPlan':
      if (state.status === 'ended') {
        if (command.cause === 'subject-erased') return [];
        throw planEnded(planId);
      }
      return [ended(command.cause)];
    case 'PauseFollowUpPlan':
      if (state.status === 'ended') throw planEnded(planId);
      return state.status === 'paused' ? [] : [{ type: 'FollowUpPlanPaused', data: { planId, subjectId, pausedBy: actor, pausedAt: now } }];
    case 'ResumeFollowUpPlan': {
      if (state.status === 'ended') throw planEnded(planId);
      if (state.status === 'active') return [];
      const nextOccurrence = firstOccurrenceDueFrom(state.schedule, state.nextOccurrence, command.today);
      const resumed: FollowUpPlanEvent = { type: 'FollowUpPlanResumed', data: { planId, subjectId, nextOccurrence, resumedBy: actor, resumedAt: now } };
      const cause = exhaustedBy(state.schedule, nextOccurrence);
      return cause ? [resumed, ended(cause)] : [resumed];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

const planEnded = (planId: string) => new DomainError<FollowUpErrorCode>('follow-up-plan-ended', 'the follow-up plan has ended', { planId });

function assertValidSchedule(schedule: PlanSchedule, today: string): void {
  const problems: FieldProblem[] = [];
  if (!isRealDate(schedule.startDate)) problems.push({ path: 'startDate', message: 'must be a real date, YYYY-MM-DD' });
  else if (schedule.startDate < today) problems.push({ path: 'startDate', message: 'must not be before today' });
  if (schedule.endDate !== null) {
    if (!isRealDate(schedule.endDate)) problems.push({ path: 'endDate', message: 'must be a real date, YYYY-MM-DD' });
    else if (schedule.endDate < schedule.startDate) problems.push({ path: 'endDate', message: 'must not be before startDate' });
  }
  if (!Number.isInteger(schedule.every) || schedule.every < 1) problems.push({ path: 'every', message: 'must be a whole number from 1' });
  if (schedule.occurrences !== null && (!Number.isInteger(schedule.occurrences) || schedule.occurrences < 1)) {
    problems.push({ path: 'occurrences', message: 'must be a whole number from 1' });
  }
  if (!Number.isInteger(schedule.leadDays) || schedule.leadDays < 0) problems.push({ path: 'leadDays', message: 'must be a whole number from 0' });
  if (problems.length > 0) throw new InvalidInput(problems);
}
