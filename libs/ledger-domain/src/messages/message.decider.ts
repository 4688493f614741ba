import { DomainError } from '../domain-error';
import type { MessageErrorCode } from './message.errors';
import { CancelReason, MessageCategory, MessageChannel, MessageContent, MessageEvent, MessageKind, MessageSource } from './message.events';

/** Delivery attempts in all, and the waits after each failed one (1 min, 5 min, 30 min, 2 h). */
export const MAX_ATTEMPTS = 5;
const BACKOFF_MS = [60_000, 300_000, 1_800_000, 7_200_000];

interface Context {
  messageId: string;
  actor: string;
  now: string;
}

export type MessageCommand =
  | (Context & {
      type: 'QueueMessage';
      subjectId: string;
      kind: MessageKind;
      channel: MessageChannel;
      purposeId: string;
      category: MessageCategory;
      source: MessageSource;
      recipient: string;
      content: MessageContent;
    })
  | (Context & { type: 'RecordDelivery'; transport: string })
  | (Context & { type: 'RecordFailure'; errorCode: string })
  | (Context & { type: 'CancelMessage'; reason: CancelReason });

export type MessageState =
  { status: 'absent' } | { status: 'queued' | 'sent' | 'failed' | 'cancelled'; messageId: string; subjectId: string; attempts: number; nextAttemptAt: string };

export const initialMessageState = (): MessageState => ({ status: 'absent' });

export function evolveMessage(state: MessageState, event: MessageEvent): MessageState {
  if (event.type === 'MessageQueued')
    return { status: 'queued', messageId: event.data.messageId, subjectId: event.data.subjectId, attempts: 0, nextAttemptAt: event.data.queuedAt };
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'MessageSent':
      return { ...state, status: 'sent', attempts: event.data.attempt };
    case 'MessageFailed':
      return { ...state, status: event.data.final ? 'failed' : 'queued', attempts: event.data.attempt, nextAttemptAt: event.data.nextAttemptAt ?? state.nextAttemptAt };
    case 'MessageCancelled':
      return { ...state, status: 'cancelled' };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/**
 * A message is queued once, then sent, failed for good after MAX_ATTEMPTS, or cancelled; a failed
 * attempt before the last keeps it queued until its next attempt is due.
 */
export function decideMessage(command: MessageCommand, state: MessageState): MessageEvent<unknown>[] {
  const { messageId, actor, now } = command;
  if (command.type === 'QueueMessage') {
    if (state.status !== 'absent') throw new DomainError<MessageErrorCode>('message-exists', `message ${messageId} exists already`, { messageId });
    const { subjectId, kind, channel, purposeId, category, source, recipient, content } = command;
    return [{ type: 'MessageQueued', data: { messageId, subjectId, kind, channel, purposeId, category, source, recipient, content, queuedBy: actor, queuedAt: now } }];
  }
  if (state.status === 'absent') throw new DomainError<MessageErrorCode>('message-not-found', 'no such message', { messageId });
  if (state.status !== 'queued') throw new DomainError<MessageErrorCode>('message-not-queued', `the message is ${state.status}`, { messageId, status: state.status });
  const { subjectId } = state;
  const attempt = state.attempts + 1;
  switch (command.type) {
    case 'RecordDelivery':
      return [{ type: 'MessageSent', data: { messageId, subjectId, attempt, transport: command.transport, sentAt: now } }];
    case 'RecordFailure': {
      const final = attempt >= MAX_ATTEMPTS;
      const nextAttemptAt = final ? null : new Date(Date.parse(now) + BACKOFF_MS[attempt - 1]).toISOString();
      return [{ type: 'MessageFailed', data: { messageId, subjectId, attempt, errorCode: command.errorCode, final, nextAttemptAt, failedAt: now } }];
    }
    case 'CancelMessage':
      return [{ type: 'MessageCancelled', data: { messageId, subjectId, reason: command.reason, cancelledBy: actor, cancelledAt: now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
