import { DomainError } from '../domain-error';
import type { MessageErrorCode } from './message.errors';
import type { MessageChannel } from './message.events';

/** The purpose a marketing message is sent under (the default registry's consent-based `marketing`). */
export const MARKETING_PURPOSE = 'marketing';

const CONSENT_CODES = new Set(['consent-required', 'separate-consent-required', 'guardian-consent-required', 'no-legal-basis']);

/**
 * A refusal of processing for marketing, as the outbox reports it: no active marketing consent is
 * `marketing-consent-required`, whatever rule of consent failed; other refusals (a restriction, an
 * unknown purpose) keep their own code.
 */
export function asMarketingRefusal(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (error instanceof DomainError && typeof code === 'string' && CONSENT_CODES.has(code)) {
    return new DomainError<MessageErrorCode>('marketing-consent-required', 'the customer has no active consent to marketing messages', { purposeId: MARKETING_PURPOSE });
  }
  return error;
}

/** A marketing message travels only on a channel the customer chose (`preferences.marketingChannels`). */
export function assertMarketingChannelChosen(channel: MessageChannel, chosen: unknown): void {
  if (!Array.isArray(chosen) || !chosen.includes(channel)) {
    throw new DomainError<MessageErrorCode>('marketing-channel-not-chosen', `the customer did not choose ${channel} for marketing messages`, { channel });
  }
}
