import { DomainError, InvalidInput } from '../domain-error';
import { ComplaintDeadlinePolicy, deadlinesFor } from './complaint-deadline-policy';
import type { ComplaintErrorCode } from './complaint.errors';
import { ComplaintCategory, ComplaintChannel, ComplaintEvent, ComplaintSeverity, ComplaintStatus, ComplaintTextCategory, EscalationTrigger } from './complaint.events';

interface Context {
  complaintId: string;
  actor: string;
  now: string;
}

export type ComplaintCommand =
  | (Context & {
      type: 'FileComplaint';
      subjectId: string;
      channel: ComplaintChannel;
      category: ComplaintCategory;
      severity: ComplaintSeverity;
      description: string;
      serviceRecordId: string | null;
      holdsHealthData: boolean;
      department: string | null;
      policy: ComplaintDeadlinePolicy;
    })
  | (Context & { type: 'AssignComplaint'; handler: string; department: string | null })
  | (Context & { type: 'StartComplaint' })
  | (Context & { type: 'NoteComplaint'; note: string })
  | (Context & { type: 'ReplyToComplaint'; reply: string })
  | (Context & { type: 'CloseComplaint'; satisfaction: number | null })
  | (Context & { type: 'ReopenComplaint'; reason: string; policy: ComplaintDeadlinePolicy })
  | (Context & { type: 'EscalateComplaint'; reason?: string; managers: string[] })
  /** The escalation sweep: one escalation for each deadline passed by `now` and not escalated yet. */
  | (Context & { type: 'EscalateOverdueComplaint'; managers: string[] });

export type ComplaintState =
  | { status: 'absent' }
  | {
      status: ComplaintStatus;
      complaintId: string;
      subjectId: string;
      severity: ComplaintSeverity;
      textCategory: ComplaintTextCategory;
      department: string | null;
      handler: string | null;
      /** Until replied to (again, after a reopening): the reply deadline runs. */
      awaitingReply: boolean;
      replyDueAt: string;
      resolutionDueAt: string;
      /** Deadlines escalated already, as `trigger@dueAt`: each deadline escalates once. */
      escalated: string[];
    };

export const initialComplaintState = (): ComplaintState => ({ status: 'absent' });

/**
 * Which command each status takes; anything else is `complaint-invalid-transition` (409). Notes and
 * escalations go with any status but closed; a closed complaint only reopens.
 */
const ALLOWED: Record<Exclude<ComplaintCommand['type'], 'FileComplaint'>, readonly ComplaintStatus[]> = {
  AssignComplaint: ['received', 'assigned', 'in_progress'],
  StartComplaint: ['assigned'],
  NoteComplaint: ['received', 'assigned', 'in_progress', 'replied'],
  ReplyToComplaint: ['in_progress'],
  CloseComplaint: ['replied'],
  ReopenComplaint: ['replied', 'closed'],
  EscalateComplaint: ['received', 'assigned', 'in_progress', 'replied'],
  EscalateOverdueComplaint: ['received', 'assigned', 'in_progress', 'replied'],
};

export function evolveComplaint(state: ComplaintState, event: ComplaintEvent<unknown>): ComplaintState {
  if (event.type === 'ComplaintReceived') {
    const { complaintId, subjectId, severity, department, replyDueAt, resolutionDueAt, description } = event.data;
    return {
      status: 'received',
      complaintId,
      subjectId,
      severity,
      textCategory: description.category,
      department,
      handler: null,
      awaitingReply: true,
      replyDueAt,
      resolutionDueAt,
      escalated: [],
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'ComplaintAssigned':
      return { ...state, status: state.status === 'received' ? 'assigned' : state.status, handler: event.data.handler, department: event.data.department };
    case 'ComplaintStarted':
      return { ...state, status: 'in_progress' };
    case 'ComplaintNoted':
      return state;
    case 'ComplaintReplied':
      return { ...state, status: 'replied', awaitingReply: false };
    case 'ComplaintClosed':
      return { ...state, status: 'closed' };
    case 'ComplaintReopened':
      return { ...state, status: 'in_progress', awaitingReply: true, replyDueAt: event.data.replyDueAt, resolutionDueAt: event.data.resolutionDueAt };
    case 'ComplaintEscalated':
      return event.data.trigger === 'manual' ? state : { ...state, escalated: [...state.escalated, `${event.data.trigger}@${event.data.dueAt}`] };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** The deadlines of an open complaint that `now` has passed and nobody escalated yet. */
export function passedDeadlines(state: ComplaintState, now: string): Array<{ trigger: Exclude<EscalationTrigger, 'manual'>; dueAt: string }> {
  if (state.status === 'absent' || state.status === 'closed') return [];
  const due: Array<{ trigger: Exclude<EscalationTrigger, 'manual'>; dueAt: string }> = [];
  if (state.awaitingReply && state.replyDueAt < now) due.push({ trigger: 'reply_deadline', dueAt: state.replyDueAt });
  if (state.resolutionDueAt < now) due.push({ trigger: 'resolution_deadline', dueAt: state.resolutionDueAt });
  return due.filter(({ trigger, dueAt }) => !state.escalated.includes(`${trigger}@${dueAt}`));
}

export function decideComplaint(command: ComplaintCommand, state: ComplaintState): ComplaintEvent[] {
  const { complaintId, actor, now } = command;
  if (command.type === 'FileComplaint') {
    if (state.status !== 'absent') throw new DomainError<ComplaintErrorCode>('complaint-exists', `complaint ${complaintId} exists already`, { complaintId });
    const { subjectId, channel, category, severity, serviceRecordId, holdsHealthData, department } = command;
    const text: ComplaintTextCategory = holdsHealthData ? 'health_records' : 'service_interactions';
    return [
      {
        type: 'ComplaintReceived',
        data: {
          complaintId,
          subjectId,
          channel,
          category,
          severity,
          serviceRecordId,
          holdsHealthData,
          department,
          description: { category: text, text: command.description },
          ...deadlinesFor(command.policy, severity, now),
          receivedBy: actor,
          receivedAt: now,
        },
      },
    ];
  }
  if (state.status === 'absent') throw new DomainError<ComplaintErrorCode>('complaint-not-found', 'no such complaint', { complaintId });
  if (!ALLOWED[command.type].includes(state.status)) {
    throw new DomainError<ComplaintErrorCode>('complaint-invalid-transition', `a ${state.status} complaint does not take ${command.type}`, {
      complaintId,
      complaintStatus: state.status,
      command: command.type,
    });
  }
  const { subjectId, textCategory } = state;
  const sealed = (text: string) => ({ category: textCategory, text });
  switch (command.type) {
    case 'AssignComplaint':
      if (command.handler === state.handler && command.department === state.department) return [];
      return [{ type: 'ComplaintAssigned', data: { complaintId, subjectId, handler: command.handler, department: command.department, assignedBy: actor, assignedAt: now } }];
    case 'StartComplaint':
      return [{ type: 'ComplaintStarted', data: { complaintId, subjectId, startedBy: actor, startedAt: now } }];
    case 'NoteComplaint':
      return [{ type: 'ComplaintNoted', data: { complaintId, subjectId, note: sealed(command.note), notedBy: actor, notedAt: now } }];
    case 'ReplyToComplaint':
      return [{ type: 'ComplaintReplied', data: { complaintId, subjectId, reply: sealed(command.reply), repliedBy: actor, repliedAt: now } }];
    case 'CloseComplaint':
      if (command.satisfaction !== null && !(Number.isInteger(command.satisfaction) && command.satisfaction >= 1 && command.satisfaction <= 5)) {
        throw new InvalidInput([{ path: 'satisfaction', message: 'must be an integer from 1 to 5' }]);
      }
      return [{ type: 'ComplaintClosed', data: { complaintId, subjectId, satisfaction: command.satisfaction, closedBy: actor, closedAt: now } }];
    case 'ReopenComplaint':
      return [
        {
          type: 'ComplaintReopened',
          data: { complaintId, subjectId, reason: sealed(command.reason), ...deadlinesFor(command.policy, state.severity, now), reopenedBy: actor, reopenedAt: now },
        },
      ];
    case 'EscalateComplaint':
      return [
        {
          type: 'ComplaintEscalated',
          data: {
            complaintId,
            subjectId,
            trigger: 'manual',
            dueAt: null,
            department: state.department,
            escalatedTo: command.managers,
            ...(command.reason === undefined ? {} : { reason: sealed(command.reason) }),
            escalatedBy: actor,
            escalatedAt: now,
          },
        },
      ];
    case 'EscalateOverdueComplaint':
      return passedDeadlines(state, now).map(({ trigger, dueAt }) => ({
        type: 'ComplaintEscalated',
        data: { complaintId, subjectId, trigger, dueAt, department: state.department, escalatedTo: command.managers, escalatedBy: actor, escalatedAt: now },
      }));
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
