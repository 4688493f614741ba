import { Injectable } from '@nestjs/common';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import type { MessageErrorCode } from '@pi-ledger/ledger-domain/messages/message.errors';
import { MESSAGE_CHANNELS, MessageChannel } from '@pi-ledger/ledger-domain/messages/message.events';
import { assertMarketingChannelChosen } from '@pi-ledger/ledger-domain/messages/marketing-rules';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';

/** The address a message goes to, taken from the customer's contact data when it is queued. */
export interface Recipient {
  channel: MessageChannel;
  to: string;
  /** The customer's name, for a greeting, when the message asks for it. */
  name?: string;
}

/**
 * Where a customer is reached: the email address for `email`, the mobile number for `sms`; without
 * a channel asked for, email when there is one, else SMS. A marketing message takes only a channel
 * the customer chose (`preferences.marketingChannels`), the first of them the outbox delivers when
 * none is asked for.
 */
@Injectable()
export class MessageRecipients {
  constructor(private readonly profiles: SubjectProfileQueries) {}

  async resolve(subjectId: string, options: { channel?: MessageChannel; marketing?: boolean; withName?: boolean }): Promise<Recipient> {
    const profile = await this.profiles.findSealed(subjectId);
    if (!profile || profile.status === 'erased') throw new DomainError('subject-not-found', 'no such subject');
    const data = (await this.profiles.open(profile, [
      'contact',
      ...(options.marketing ? (['preferences'] as const) : []),
      ...(options.withName ? (['identity'] as const) : []),
    ])) as Record<string, Record<string, unknown> | undefined>;
    const text = (value: unknown) => (typeof value === 'string' && value !== '[erased]' ? value : undefined);
    const addresses: Record<MessageChannel, string | undefined> = { email: text(data.contact?.email), sms: text(data.contact?.phone) };
    const chosen = data.preferences?.marketingChannels;
    const channel =
      options.channel ??
      (options.marketing
        ? MESSAGE_CHANNELS.find((candidate) => Array.isArray(chosen) && chosen.includes(candidate))
        : MESSAGE_CHANNELS.find((candidate) => addresses[candidate] !== undefined)) ??
      'email';
    if (options.marketing) assertMarketingChannelChosen(channel, chosen);
    const to = addresses[channel];
    if (!to) throw new DomainError<MessageErrorCode>('no-recipient-address', `the customer has no ${channel === 'sms' ? 'mobile number' : 'email address'} on file`, { channel });
    const name = options.withName ? text(data.identity?.name) : undefined;
    return { channel, to, ...(name ? { name } : {}) };
  }
}
