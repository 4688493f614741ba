import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { PeriodicSweep, withAdvisoryLock } from '@pi-ledger/platform/scheduling/periodic-sweep';
import { loadStream } from '@pi-ledger/event-store/command-handler';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { messageStream, type MessageContent } from '@pi-ledger/ledger-domain/messages/message.events';
import { assertMayProcess } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { OutboxRow } from '@pi-ledger/read-models/projections/messages/outbox-messages.queries';
import { RequestContext } from '../application/request-context';
import { RegistryService } from '../registry/registry.service';
import { SubjectCommandsService } from '../subjects/subject-commands.service';
import { DeliveryFailed, OUTBOX_SETTINGS, OutboxSettings } from './message-transports';
import { MESSAGE_FOLD, MessagesService } from './messages.service';

/** What one delivery run did, by message id: no recipient, no content. */
export interface OutboxRun {
  at: string;
  ran: boolean;
  sent: string[];
  failed: Array<{ messageId: string; errorCode: string }>;
  cancelled: Array<{ messageId: string; reason: string }>;
}

const PAGE = 100;
/** pg advisory lock key of the delivery sweep ("pi-ledger outbox"). */
const LOCK_KEY = '7304853921004601';

export function systemContext(name: string, now: Date): RequestContext {
  const id = `${name}-${now.toISOString()}`;
  return { actor: { id: `system:${name}`, roles: [] }, correlationId: id, causationId: id };
}

/**
 * Delivers the outbox, one process at a time (advisory lock): records the cancellation of erased
 * customers' queued messages, then sends each due message on its channel's transport after checking
 * the stream (not the read model) still holds it queued and its purpose still has a basis for this
 * customer (a consent withdrawn since cancels it). Sent, failed (retried with backoff, final after
 * MAX_ATTEMPTS) and cancelled are events. A crash between a send and its event sends it again on
 * the next run: delivery is at least once.
 */
@Injectable()
export class OutboxDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private periodic?: PeriodicSweep;

  constructor(
    private readonly messages: MessagesService,
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OUTBOX_SETTINGS) private readonly settings: OutboxSettings,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic = new PeriodicSweep('outbox delivery', this.settings.deliveryIntervalMs, () => this.runOnce(this.clock()), this.logger);
    this.periodic.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.periodic?.stop();
  }

  async runOnce(now: Date): Promise<OutboxRun> {
    const run: OutboxRun = { at: now.toISOString(), ran: false, sent: [], failed: [], cancelled: [] };
    const context = systemContext('outbox', now);
    const locked = await withAdvisoryLock(this.pool, LOCK_KEY, async () => {
      for (const row of await this.messages.outbox.cancelling(PAGE * 10)) await this.cancel(row, 'subject-erased', context, run);
      const seen = new Set<string>();
      for (let page = await this.messages.outbox.due(now, PAGE); page.some((row) => !seen.has(row.messageId)); page = await this.messages.outbox.due(now, PAGE)) {
        for (const row of page.filter((candidate) => !seen.has(candidate.messageId))) {
          seen.add(row.messageId);
          await this.deliver(row, context, run);
        }
      }
    });
    run.ran = locked.ran;
    if (run.sent.length + run.failed.length + run.cancelled.length > 0) {
      this.logger.info({ at: run.at, sent: run.sent.length, failed: run.failed, cancelled: run.cancelled }, 'outbox delivery');
    }
    return run;
  }

  private async deliver(row: OutboxRow, context: RequestContext, run: OutboxRun): Promise<void> {
    const { state } = await loadStream(this.store, messageStream(row.messageId), MESSAGE_FOLD);
    if (state.status !== 'queued') return; // the read model is behind the stream
    const refusal = await this.refusal(row);
    if (refusal) return this.cancel(row, refusal, context, run);
    const opened = await this.messages.open(row);
    const content = opened.content as MessageContent | string;
    if (typeof opened.recipient !== 'string' || opened.recipient === '[erased]' || typeof content !== 'object') return this.cancel(row, 'subject-erased', context, run);
    const transport = this.settings.transports[row.channel];
    try {
      await transport.send({ messageId: row.messageId, channel: row.channel, to: opened.recipient, subject: content.subject, body: content.body });
    } catch (error) {
      const errorCode = error instanceof DeliveryFailed ? error.code : 'transport-error';
      if (!(error instanceof DeliveryFailed))
        this.logger.warn({ messageId: row.messageId, transport: transport.name, errorType: (error as Error)?.name }, 'message transport failed');
      await this.messages.record(row.messageId, 'RecordFailure', { errorCode }, context);
      run.failed.push({ messageId: row.messageId, errorCode });
      return;
    }
    await this.messages.record(row.messageId, 'RecordDelivery', { transport: transport.name }, context);
    run.sent.push(row.messageId);
  }

  /** Why the message may not go now: its customer erased, or its purpose without a basis for this customer any more. */
  private async refusal(row: OutboxRow): Promise<'subject-erased' | 'no-legal-basis' | undefined> {
    const { state } = await this.subjects.load(row.subjectId);
    if (state.status === 'erased' || state.status === 'absent' || state.status === 'merged') return 'subject-erased';
    try {
      assertMayProcess(await this.registry.current(), state, row.purposeId, [row.category]);
      return undefined;
    } catch {
      return 'no-legal-basis';
    }
  }

  private async cancel(row: OutboxRow, reason: 'subject-erased' | 'no-legal-basis', context: RequestContext, run: OutboxRun): Promise<void> {
    const { state } = await loadStream(this.store, messageStream(row.messageId), MESSAGE_FOLD);
    if (state.status !== 'queued') return;
    await this.messages.record(row.messageId, 'CancelMessage', { reason }, context);
    run.cancelled.push({ messageId: row.messageId, reason });
  }
}
