import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { assertMayProcess } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { MessageContent, MessageKind, MessageSource } from '@pi-ledger/ledger-domain/messages/message.events';
import { RegistryService } from '../registry/registry.service';
import { SubjectCommandsService } from '../subjects/subject-commands.service';
import { RequestContext } from '../application/request-context';
import { MessageRecipients } from './message-recipients';
import { subjectMerged } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { MessagesService } from './messages.service';

/** Service messages go under the contract's purpose, as the service they belong to. */
export const SERVICE_PURPOSE = 'health-management';

export interface ServiceMessage {
  subjectId: string;
  kind: MessageKind;
  source: MessageSource;
  /** Derived from what the message is about, so a second run or a retry records it once. */
  messageId: string;
  content: (name: string | undefined) => MessageContent;
  /** Categories the message's basis must cover besides the contact data and the service interactions (e.g. the check-up dates a reminder is drawn from). */
  uses?: readonly Category[];
}

/** Queued; already queued before (the same derived id); or skipped, by the code of why (no basis, restricted, erased, no address). */
export type ServiceMessageOutcome = { queued: string } | { exists: string } | { skipped: string };

/**
 * The messages the centre sends by itself, not staff by hand: each under the health-management
 * purpose and only when it has a basis for this customer (not erased, not restricted, consent
 * where the purpose needs one), to the address on file. Never throws: a message that cannot go is
 * an outcome, its cause a code (no PI).
 */
@Injectable()
export class ServiceMessages {
  constructor(
    private readonly messages: MessagesService,
    private readonly recipients: MessageRecipients,
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  async queue(message: ServiceMessage, context: RequestContext): Promise<ServiceMessageOutcome> {
    const { subjectId, kind, source, messageId } = message;
    try {
      const purpose = await this.purposeFor(subjectId, message.uses ?? []);
      const recipient = await this.recipients.resolve(subjectId, { withName: kind === 'birthday_care' });
      await this.messages.queue({ messageId, subjectId, kind, source, recipient, content: message.content(recipient.name), purpose }, context);
      return { queued: messageId };
    } catch (error) {
      const code = error instanceof DomainError ? error.code : 'internal-error';
      if (code === 'message-exists') return { exists: messageId };
      if (code === 'internal-error') this.logger.warn({ err: error, messageId, kind }, 'a service message could not be queued');
      return { skipped: code };
    }
  }

  private async purposeFor(subjectId: string, uses: readonly Category[]): Promise<Purpose> {
    const { state } = await this.subjects.load(subjectId);
    if (state.status === 'absent' || state.status === 'erased') throw new DomainError('subject-erased', 'no such subject');
    if (state.status === 'merged') throw subjectMerged(subjectId, state.mergedInto);
    return assertMayProcess(await this.registry.current(), state, SERVICE_PURPOSE, ['service_interactions', 'contact', ...uses]);
  }
}
