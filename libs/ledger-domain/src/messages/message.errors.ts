/** Codes of the outbox's refusals (mapped to HTTP in apps/ledger-api/src/messages/messages.module.ts). */
export type MessageErrorCode =
  'message-exists' | 'message-not-found' | 'message-not-queued' | 'marketing-consent-required' | 'marketing-channel-not-chosen' | 'no-recipient-address';
