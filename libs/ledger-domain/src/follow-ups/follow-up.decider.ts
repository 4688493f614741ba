import { DomainError, InvalidInput } from '../domain-error';
import { isRealDate } from '../validation/resident-id';
import type { FollowUpErrorCode } from './follow-up.errors';
import { FollowUpChannel, FollowUpEvent, FollowUpSource, FollowUpStatus } from './follow-up.events';
import { addToDate } from './plan-schedule';

interface Context {
  taskId: string;
  actor: string;
  now: string;
  /** The decision's date in China. */
  today: string;
}

export type FollowUpCommand =
  | (Context & {
      type: 'OpenFollowUp';
      subjectId: string;
      dueDate: string;
      assignee: string;
      department: string | null;
      channel: FollowUpChannel;
      source: FollowUpSource;
      note?: string;
    })
  | (Context & { type: 'ReassignFollowUp'; assignee: string; department: string | null })
  | (Context & { type: 'CompleteFollowUp'; outcome: string })
  | (Context & { type: 'CancelFollowUp'; reason: string })
  /** The sweep's: raise an open task `delayDays` days overdue to `escalatedTo`, once. */
  | (Context & { type: 'EscalateFollowUp'; delayDays: number; escalatedTo: string | null });

export type FollowUpState =
  | { status: 'absent' }
  | { status: FollowUpStatus; taskId: string; subjectId: string; dueDate: string; assignee: string; department: string | null; channel: FollowUpChannel; escalated: boolean };

export const initialFollowUpState = (): FollowUpState => ({ status: 'absent' });

export function evolveFollowUp(state: FollowUpState, event: FollowUpEvent<unknown>): FollowUpState {
  if (event.type === 'FollowUpOpened') {
    const { taskId, subjectId, dueDate, assignee, department, channel } = event.data;
    return { status: 'open', taskId, subjectId, dueDate, assignee, department, channel, escalated: false };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'FollowUpReassigned':
      return { ...state, assignee: event.data.assignee, department: event.data.department };
    case 'FollowUpCompleted':
      return { ...state, status: 'done' };
    case 'FollowUpCancelled':
      return { ...state, status: 'cancelled' };
    case 'FollowUpTaskEscalated':
      return { ...state, escalated: true };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** Whether an open task is past its due date on `today` (China): the day after the due date, not the due date itself. */
export function isOverdue(state: FollowUpState, today: string): boolean {
  return state.status === 'open' && state.dueDate < today;
}

export function decideFollowUp(command: FollowUpCommand, state: FollowUpState): FollowUpEvent[] {
  const { taskId, actor, now } = command;
  if (command.type === 'OpenFollowUp') {
    if (state.status !== 'absent') throw new DomainError<FollowUpErrorCode>('follow-up-exists', `follow-up ${taskId} exists already`, { taskId });
    if (!isRealDate(command.dueDate)) throw new InvalidInput([{ path: 'dueDate', message: 'must be a real date, YYYY-MM-DD' }]);
    // a plan's occurrence the sweep opens late (it was not running) is due when the plan says, overdue at once
    if (command.dueDate < command.today && command.source.kind !== 'plan') throw new InvalidInput([{ path: 'dueDate', message: 'must not be before today' }]);
    const { subjectId, dueDate, assignee, department, channel, source, note } = command;
    return [
      {
        type: 'FollowUpOpened',
        data: { taskId, subjectId, dueDate, assignee, department, channel, source, ...(note === undefined ? {} : { note }), openedBy: actor, openedAt: now },
      },
    ];
  }
  if (state.status === 'absent') throw new DomainError<FollowUpErrorCode>('follow-up-not-found', 'no such follow-up task', { taskId });
  if (command.type === 'EscalateFollowUp') return escalation(command, state);
  if (state.status !== 'open') throw new DomainError<FollowUpErrorCode>('follow-up-not-open', `the task is ${state.status}`, { taskId, status: state.status });
  const { subjectId } = state;
  switch (command.type) {
    case 'ReassignFollowUp':
      if (command.assignee === state.assignee && command.department === state.department) return [];
      return [{ type: 'FollowUpReassigned', data: { taskId, subjectId, assignee: command.assignee, department: command.department, reassignedBy: actor, reassignedAt: now } }];
    case 'CompleteFollowUp':
      return [{ type: 'FollowUpCompleted', data: { taskId, subjectId, outcome: command.outcome, completedBy: actor, completedAt: now } }];
    case 'CancelFollowUp':
      return [{ type: 'FollowUpCancelled', data: { taskId, subjectId, reason: command.reason, cancelledBy: actor, cancelledAt: now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/** Whether an open task has been overdue longer than `delayDays` on `today`: from the day after `dueDate + delayDays`. */
export function isEscalationDue(state: FollowUpState, today: string, delayDays: number): boolean {
  return state.status === 'open' && !state.escalated && addToDate(state.dueDate, delayDays, 'days') < today;
}

/** Once per task, while it is open and late enough; a task closed or escalated meanwhile changes nothing (the sweep may race a completion). */
function escalation(command: Extract<FollowUpCommand, { type: 'EscalateFollowUp' }>, state: Exclude<FollowUpState, { status: 'absent' }>): FollowUpEvent[] {
  if (!isEscalationDue(state, command.today, command.delayDays)) return [];
  const { taskId, subjectId, department, dueDate } = state;
  const { delayDays, escalatedTo, actor, now } = command;
  return [{ type: 'FollowUpTaskEscalated', data: { taskId, subjectId, department, escalatedTo, dueDate, delayDays, escalatedBy: actor, escalatedAt: now } }];
}
