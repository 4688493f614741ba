import { Module } from '@nestjs/common';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import type { MessageErrorCode } from '@pi-ledger/ledger-domain/messages/message.errors';
import { OutboxQueries } from '@pi-ledger/read-models/projections/messages/outbox-messages.queries';
import { SubjectRecordsModule } from '../subject-records/subject-records.module';
import { SubjectsModule } from '../subjects/subjects.module';
import { RegistryModule } from '../registry/registry.module';
import { FollowUpsModule } from '../follow-ups/follow-ups.module';
import { MessagesHttpController } from './messages.http.controller';
import { MessagesService } from './messages.service';
import { MessageRecipients } from './message-recipients';
import { outboxSettingsProvider } from './message-transports';
import { OutboxDispatcher } from './outbox.dispatcher';
import { CareMessagesSweep } from './care-messages.sweep';
import { ServiceMessages } from './service-messages';

registerProblemCodes({
  'message-exists': { status: 409, title: 'Message already queued' },
  'message-not-found': { status: 404, title: 'Message not found' },
  'message-not-queued': { status: 409, title: 'The message is no longer queued' },
  'marketing-consent-required': { status: 403, title: 'No active marketing consent' },
  'marketing-channel-not-chosen': { status: 422, title: 'The customer did not choose this channel for marketing' },
  'no-recipient-address': { status: 422, title: 'No address on file for this channel' },
} satisfies Record<MessageErrorCode, unknown>);

/** Messages to customers (issue #14 item 9): the outbox, its delivery sweep and transports, the care sweep. */
@Module({
  imports: [SubjectRecordsModule, SubjectsModule, RegistryModule, FollowUpsModule],
  controllers: [MessagesHttpController],
  providers: [MessagesService, MessageRecipients, OutboxQueries, outboxSettingsProvider, OutboxDispatcher, CareMessagesSweep, ServiceMessages],
  exports: [MessagesService, MessageRecipients, ServiceMessages],
})
export class MessagesModule {}
