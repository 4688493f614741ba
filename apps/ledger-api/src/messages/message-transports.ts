import { Provider } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, Transporter } from 'nodemailer';
import type { MessageChannel } from '@pi-ledger/ledger-domain/messages/message.events';
import { LEDGER_CONFIG } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { intervalFromEnv } from '@pi-ledger/platform/scheduling/periodic-sweep';

/** A message opened for delivery: the only place its recipient and content exist in clear. */
export interface OutgoingMessage {
  messageId: string;
  channel: MessageChannel;
  to: string;
  subject: string;
  body: string;
}

/** A failed delivery, by a code that names the failure without echoing the message or its address. */
export class DeliveryFailed extends Error {
  constructor(readonly code: string) {
    super(`delivery failed: ${code}`);
  }
}

/** Where messages of one channel go: SMTP for email when configured, an SMS gateway (none built in), or the development file drop. */
export interface MessageTransport {
  readonly name: string;
  send(message: OutgoingMessage): Promise<void>;
}

/**
 * Development delivery: each message becomes `<LEDGER_DATA_DIR>/outbox/<messageId>.json` (mode
 * 0600), beside the generated keys, never in the application log. It holds the message in clear,
 * as a sent email would: for a workstation, not for production, where SMTP (and an SMS gateway)
 * take over.
 */
export class FileTransport implements MessageTransport {
  readonly name = 'file';
  constructor(readonly directory: string) {}

  async send(message: OutgoingMessage): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    await writeFile(join(this.directory, `${message.messageId}.json`), JSON.stringify(message, null, 2), { mode: 0o600 });
  }
}

/** Email through an SMTP server (nodemailer), `LEDGER_SMTP_URL` e.g. `smtps://user:pass@smtp.example.cn:465`. */
export class SmtpTransport implements MessageTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transporter = createTransport(url);
  }

  async send(message: OutgoingMessage): Promise<void> {
    try {
      await this.transporter.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.body, messageId: `<${message.messageId}@pi-ledger>` });
    } catch (error) {
      // nodemailer's texts quote addresses and server replies: only its code leaves here
      const code = (error as { code?: unknown }).code;
      throw new DeliveryFailed(`smtp-${typeof code === 'string' && /^[A-Z_]{2,32}$/.test(code) ? code : 'ERROR'}`);
    }
  }
}

/** The transport per channel, and how often the sweeps run. */
export interface OutboxSettings {
  transports: Record<MessageChannel, MessageTransport>;
  deliveryIntervalMs: number;
  careIntervalMs: number;
  /** Days after a customer's last check-up the care sweep reminds it (again each such period); 0 = no check-up reminders. */
  checkupReminderDays: number;
}

export const OUTBOX_SETTINGS = Symbol('OUTBOX_SETTINGS');

/**
 * `LEDGER_SMTP_URL` (+ `LEDGER_SMTP_FROM`) sends email by SMTP; without it, and for SMS (no gateway
 * is built in: a MessageTransport for one plugs in here), messages go to the file drop.
 * `LEDGER_OUTBOX_INTERVAL_MINUTES` (default 1) and `LEDGER_CARE_MESSAGES_INTERVAL_MINUTES` (default 60):
 * how often delivery and the care sweep run, 0 = never. `LEDGER_CHECKUP_REMINDER_DAYS` (default 365, 0 = off):
 * how long after a customer's last check-up the care sweep sends a check-up reminder.
 */
export function outboxSettingsFrom(env: NodeJS.ProcessEnv, dataDir: string): OutboxSettings {
  const file = new FileTransport(join(dataDir, 'outbox'));
  const smtp = env.LEDGER_SMTP_URL;
  if (smtp && !/^smtps?:\/\//.test(smtp)) throw new Error('LEDGER_SMTP_URL must be an smtp:// or smtps:// URL');
  if (smtp && !env.LEDGER_SMTP_FROM) throw new Error('LEDGER_SMTP_FROM must name the sender when LEDGER_SMTP_URL is set');
  return {
    transports: { email: smtp ? new SmtpTransport(smtp, env.LEDGER_SMTP_FROM as string) : file, sms: file },
    deliveryIntervalMs: intervalFromEnv(env, 'LEDGER_OUTBOX_INTERVAL_MINUTES', 1),
    careIntervalMs: intervalFromEnv(env, 'LEDGER_CARE_MESSAGES_INTERVAL_MINUTES', 60),
    checkupReminderDays: daysFromEnv(env, 'LEDGER_CHECKUP_REMINDER_DAYS', 365),
  };
}

function daysFromEnv(env: NodeJS.ProcessEnv, variable: string, defaultDays: number): number {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return defaultDays;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) > 3660) throw new Error(`${variable} must be an integer from 0 (off) to 3660 days, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export const outboxSettingsProvider: Provider = {
  provide: OUTBOX_SETTINGS,
  inject: [LEDGER_CONFIG],
  useFactory: (config: LedgerConfig) => outboxSettingsFrom(process.env, config.dataDir),
};
