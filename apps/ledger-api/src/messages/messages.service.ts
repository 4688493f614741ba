import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { MESSAGE_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { decideMessage, evolveMessage, initialMessageState, MessageCommand, MessageState } from '@pi-ledger/ledger-domain/messages/message.decider';
import { MessageContent, MessageEvent, MessageKind, MessageSource, messageCategory, messageStream } from '@pi-ledger/ledger-domain/messages/message.events';
import { asMarketingRefusal, MARKETING_PURPOSE } from '@pi-ledger/ledger-domain/messages/marketing-rules';
import { OutboxQueries, OutboxRow } from '@pi-ledger/read-models/projections/messages/outbox-messages.queries';
import { eventMetadata, RequestContext } from '../application/request-context';
import { sealedUnder, SubjectRecordAccess } from '../subject-records/subject-record-access';
import { MessageRecipients, Recipient } from './message-recipients';
import { SendMessageDto } from './messages.dto';
import { followingMoves } from '@pi-ledger/ledger-domain/subject/record-move';

export const MESSAGE_FOLD: StreamFold<MessageState, MessageEvent> = followingMoves({ initialState: initialMessageState, evolve: evolveMessage });

/** A message as a customer's list shows it: delivery facts, and the recipient and content opened ("[erased]" once shredded). */
export type MessageView = Omit<OutboxRow, 'sealed'> & { recipient: unknown; content: unknown };

export interface QueueRequest {
  messageId?: string;
  subjectId: string;
  kind: MessageKind;
  source: MessageSource;
  recipient: Recipient;
  content: MessageContent;
  purpose: Purpose;
}

/**
 * The outbox (issue #14 item 9): each message its own stream on the one command path, queued with
 * its recipient and content sealed under the customer's key, delivered by OutboxDispatcher.
 */
@Injectable()
export class MessagesService {
  readonly codec: DeclaredEventCodec<MessageEvent>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly access: SubjectRecordAccess,
    private readonly recipients: MessageRecipients,
    readonly outbox: OutboxQueries,
  ) {
    this.codec = new DeclaredEventCodec<MessageEvent>(vault, MESSAGE_PI);
  }

  /** A message staff write by hand: marketing only under the customer's marketing consent, on a channel the customer chose. */
  async send(subjectId: string, input: SendMessageDto, context: RequestContext) {
    const marketing = input.kind === 'marketing';
    if (marketing !== (input.purposeId === MARKETING_PURPOSE)) {
      throw new InvalidInput([{ path: 'purposeId', message: 'marketing messages, and only they, go under the marketing purpose' }]);
    }
    const purpose = marketing ? await this.marketingPurpose(subjectId, context) : await this.access.authorizeWrite(subjectId, context, input.purposeId, 'service_interactions');
    const recipient = await this.recipients.resolve(subjectId, { ...(input.channel ? { channel: input.channel } : {}), marketing });
    return this.queue({ subjectId, kind: input.kind, source: { kind: 'manual' }, recipient, content: { subject: input.subject, body: input.body }, purpose }, context);
  }

  private async marketingPurpose(subjectId: string, context: RequestContext): Promise<Purpose> {
    try {
      return await this.access.authorizeWrite(subjectId, context, MARKETING_PURPOSE, 'contact');
    } catch (error) {
      throw asMarketingRefusal(error);
    }
  }

  /** Queues a message whose processing was authorised already (by the caller's route, or a sweep's rules). */
  async queue(request: QueueRequest, context: RequestContext) {
    const messageId = request.messageId ?? uuidv7();
    const command: MessageCommand = {
      type: 'QueueMessage',
      messageId,
      actor: context.actor.id,
      now: this.clock().toISOString(),
      subjectId: request.subjectId,
      kind: request.kind,
      channel: request.recipient.channel,
      purposeId: request.purpose.id,
      category: messageCategory(request.kind),
      source: request.source,
      recipient: request.recipient.to,
      content: request.content,
    };
    const handled = await handleCommand(this.store, messageStream(messageId), MESSAGE_FOLD, ({ state }) => decideMessage(command, state), {
      prepare: sealedUnder(this.codec, context, request.purpose),
    });
    return { messageId, kind: request.kind, channel: request.recipient.channel, status: handled.state.status, version: handled.version, position: handled.position };
  }

  /** Records a delivery, a failure or a cancellation (the dispatcher's, under its system context). */
  record(
    messageId: string,
    change: Exclude<MessageCommand, { type: 'QueueMessage' }>['type'],
    detail: { transport?: string; errorCode?: string; reason?: string },
    context: RequestContext,
  ) {
    const base = { messageId, actor: context.actor.id, now: this.clock().toISOString() };
    const command = { ...base, type: change, transport: detail.transport, errorCode: detail.errorCode, reason: detail.reason } as MessageCommand;
    return handleCommand(this.store, messageStream(messageId), MESSAGE_FOLD, ({ state }) => decideMessage(command, state), {
      prepare: async (events) => ({ events: events.map((event) => ({ ...event, metadata: eventMetadata(context) })) }),
    });
  }

  async listOf(subjectId: string, context: RequestContext, purposeHeader: string | undefined): Promise<MessageView[]> {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, 'service_interactions');
    const messages = await this.exportOf(subjectId);
    await this.access.recordRead(context, [subjectId], read, 'service_interactions', 'messages');
    return messages;
  }

  /** Every message to the subject, opened, for its access/copy export (PIPL Art. 45). */
  async exportOf(subjectId: string): Promise<MessageView[]> {
    return Promise.all((await this.outbox.bySubject(subjectId)).map((row) => this.open(row)));
  }

  async open(row: OutboxRow): Promise<MessageView> {
    const { sealed, ...rest } = row;
    const opened = await this.codec.open({
      type: 'MessageQueued',
      data: { messageId: row.messageId, subjectId: row.subjectId, category: row.category, recipient: sealed.recipient, content: sealed.content },
    } as unknown as MessageEvent);
    const data = opened.data as { recipient: unknown; content: unknown };
    return { ...rest, recipient: data.recipient ?? null, content: data.content ?? null };
  }
}
