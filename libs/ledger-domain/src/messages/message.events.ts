/**
 * What a message to a customer is about. `marketing` goes out only under an active marketing
 * consent and on a channel the customer chose; the others are part of the service.
 */
export const MESSAGE_KINDS = ['survey_invitation', 'follow_up_reminder', 'checkup_reminder', 'birthday_care', 'change_notice', 'marketing', 'general'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** How a message travels: an email address or a mobile number of the customer's contact data. */
export const MESSAGE_CHANNELS = ['email', 'sms'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

/** The vault category a message is sealed under: `contact` for marketing (its purpose covers it), `service_interactions` for the rest. */
export type MessageCategory = 'service_interactions' | 'contact';
export const messageCategory = (kind: MessageKind): MessageCategory => (kind === 'marketing' ? 'contact' : 'service_interactions');

/** What the message says (sealed as one value). */
export interface MessageContent {
  subject: string;
  body: string;
}

/**
 * What queued it: staff by hand, a survey's dispatch, a follow-up task's reminder, the birthday sweep,
 * the check-up reminder of the customer's last check-up (its date), a fulfilled rights request's notice.
 */
export type MessageSource =
  | { kind: 'manual' }
  | { kind: 'survey'; responseId: string }
  | { kind: 'follow-up'; taskId: string }
  | { kind: 'birthday'; date: string }
  | { kind: 'checkup'; lastVisitDate: string }
  | { kind: 'rights-request'; requestId: string };

/** The id a source names (shown as `source.ref`), null for a message written by hand. */
export function messageSourceRef(source: MessageSource): string | null {
  switch (source.kind) {
    case 'survey':
      return source.responseId;
    case 'follow-up':
      return source.taskId;
    case 'birthday':
      return source.date;
    case 'checkup':
      return source.lastVisitDate;
    case 'rights-request':
      return source.requestId;
    default:
      return null;
  }
}

/** Why a queued message was not sent: the customer erased, or the purpose lost its basis before delivery. */
export const CANCEL_REASONS = ['subject-erased', 'no-legal-basis'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/**
 * Events of one message's stream (`message-<messageId>`). In clear: ids, kind, channel, purpose,
 * what queued it, attempts, error codes and times. Sealed under the customer's key for `category`:
 * the recipient's address and the content (`V`), so erasure leaves nothing of either.
 */
export type MessageEvent<V = unknown> =
  | {
      type: 'MessageQueued';
      data: {
        messageId: string;
        subjectId: string;
        kind: MessageKind;
        channel: MessageChannel;
        purposeId: string;
        category: MessageCategory;
        source: MessageSource;
        recipient: V;
        content: V;
        queuedBy: string;
        queuedAt: string;
      };
    }
  | { type: 'MessageSent'; data: { messageId: string; subjectId: string; attempt: number; transport: string; sentAt: string } }
  | { type: 'MessageFailed'; data: { messageId: string; subjectId: string; attempt: number; errorCode: string; final: boolean; nextAttemptAt: string | null; failedAt: string } }
  | { type: 'MessageCancelled'; data: { messageId: string; subjectId: string; reason: CancelReason; cancelledBy: string; cancelledAt: string } };

export const messageStream = (messageId: string) => `message-${messageId}`;
