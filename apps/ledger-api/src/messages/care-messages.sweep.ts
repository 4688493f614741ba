import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { PeriodicSweep, withAdvisoryLock } from '@pi-ledger/platform/scheduling/periodic-sweep';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { assertMayProcess } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { MessageContent, MessageKind, MessageSource } from '@pi-ledger/ledger-domain/messages/message.events';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { RegistryService } from '../registry/registry.service';
import { SubjectCommandsService } from '../subjects/subject-commands.service';
import { chinaDate } from '../subjects/subject-data.dto';
import { FollowUpsService } from '../follow-ups/follow-ups.service';
import { RequestContext } from '../application/request-context';
import { MessageRecipients } from './message-recipients';
import { derivedId, templates } from './message-templates';
import { MessagesService } from './messages.service';
import { OUTBOX_SETTINGS, OutboxSettings } from './message-transports';
import { systemContext } from './outbox.dispatcher';

/** What one care run queued, by message id; customers skipped for want of a basis or an address are counted, not named. */
export interface CareRun {
  at: string;
  date: string;
  ran: boolean;
  birthdays: string[];
  followUpReminders: string[];
  skipped: Record<string, number>;
}

/** Service messages go under the contract's purpose, as the service they belong to. */
const SERVICE_PURPOSE = 'health-management';
const PAGE = 500;
/** pg advisory lock key of the care sweep ("pi-ledger care"). */
const LOCK_KEY = '7304853921004602';
/** After every task id in key order: with a date, the keyset cursor that starts at the next day. */
const AFTER_ALL_IDS = 'zzzzzzzz';

/**
 * The care messages the centre sends by itself (000 §8.1–8.2), once a day by the ledger's date in
 * China, however often it runs (each message's id derives from its customer or task and the date):
 * birthday greetings to customers born on this day, and reminders to customers of a follow-up task
 * due tomorrow. Each under the health-management purpose, skipped where it has no basis (a
 * restriction) or the customer no address.
 */
@Injectable()
export class CareMessagesSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private periodic?: PeriodicSweep;

  constructor(
    private readonly messages: MessagesService,
    private readonly recipients: MessageRecipients,
    private readonly profiles: SubjectProfileQueries,
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
    private readonly followUps: FollowUpsService,
    @Inject(OUTBOX_SETTINGS) private readonly settings: OutboxSettings,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic = new PeriodicSweep('care messages', this.settings.careIntervalMs, () => this.runOnce(this.clock()), this.logger);
    this.periodic.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.periodic?.stop();
  }

  async runOnce(now: Date): Promise<CareRun> {
    const date = chinaDate(now);
    const run: CareRun = { at: now.toISOString(), date, ran: false, birthdays: [], followUpReminders: [], skipped: {} };
    const context = systemContext('care', now);
    const locked = await withAdvisoryLock(this.pool, LOCK_KEY, async () => {
      await this.birthdays(date, context, run);
      await this.followUpReminders(date, context, run);
    });
    run.ran = locked.ran;
    if (run.birthdays.length + run.followUpReminders.length > 0) {
      this.logger.info({ date, birthdays: run.birthdays.length, followUpReminders: run.followUpReminders.length, skipped: run.skipped }, 'care messages queued');
    }
    return run;
  }

  private async birthdays(date: string, context: RequestContext, run: CareRun): Promise<void> {
    const monthDay = date.slice(5);
    const leapDayToo = monthDay === '02-28' && !isLeapYear(Number(date.slice(0, 4)));
    for (let after = ''; ;) {
      const { rows: page } = await this.pool.query<{ subject_id: string }>(
        `SELECT subject_id FROM subject_profile WHERE status = 'active' AND subject_id > $1 ORDER BY subject_id LIMIT $2`,
        [after, PAGE],
      );
      for (const { subject_id: subjectId } of page) {
        const sealed = await this.profiles.findSealed(subjectId);
        if (!sealed) continue;
        const birthDate = (await this.profiles.open(sealed, ['identity'])).identity?.birthDate;
        if (typeof birthDate !== 'string') continue;
        const born = birthDate.slice(5);
        if (born !== monthDay && !(leapDayToo && born === '02-29')) continue;
        const queued = await this.queue(subjectId, 'birthday_care', { kind: 'birthday', date }, derivedId('birthday', subjectId, date), context, run, (name) =>
          templates.birthday(name),
        );
        if (queued) run.birthdays.push(queued);
      }
      if (page.length < PAGE) return;
      after = page[page.length - 1].subject_id;
    }
  }

  private async followUpReminders(today: string, context: RequestContext, run: CareRun): Promise<void> {
    const tomorrow = chinaDate(new Date(Date.parse(`${today}T12:00:00+08:00`) + 86_400_000));
    for (let after: [string, string] = [today, AFTER_ALL_IDS]; ;) {
      const page = await this.followUps.tasks.queue({ status: 'open', today, after, limit: PAGE });
      const due = page.filter((task) => task.dueDate === tomorrow);
      for (const task of due) {
        const messageId = derivedId('follow-up-reminder', task.taskId, task.dueDate);
        const queued = await this.queue(task.subjectId, 'follow_up_reminder', { kind: 'follow-up', taskId: task.taskId }, messageId, context, run, () =>
          templates.followUpReminder(task.dueDate, task.channel),
        );
        if (queued) run.followUpReminders.push(queued);
      }
      if (page.length < PAGE || due.length < page.length) return;
      const last = page[page.length - 1];
      after = [last.dueDate, last.taskId];
    }
  }

  /** Queues one care message when the purpose has a basis for this customer and it has an address; the message id, or undefined. */
  private async queue(
    subjectId: string,
    kind: MessageKind,
    source: MessageSource,
    messageId: string,
    context: RequestContext,
    run: CareRun,
    content: (name: string | undefined) => MessageContent,
  ): Promise<string | undefined> {
    try {
      const purpose = await this.purposeFor(subjectId);
      const recipient = await this.recipients.resolve(subjectId, { withName: kind === 'birthday_care' });
      await this.messages.queue({ messageId, subjectId, kind, source, recipient, content: content(recipient.name), purpose }, context);
      return messageId;
    } catch (error) {
      const code = error instanceof DomainError ? error.code : 'internal-error';
      if (code === 'message-exists') return undefined; // queued by an earlier run today
      run.skipped[code] = (run.skipped[code] ?? 0) + 1;
      if (code === 'internal-error') this.logger.warn({ err: error, messageId }, 'a care message could not be queued; the next run tries again');
      return undefined;
    }
  }

  private async purposeFor(subjectId: string): Promise<Purpose> {
    const { state } = await this.subjects.load(subjectId);
    if (state.status === 'absent' || state.status === 'erased') throw new DomainError('subject-erased', 'no such subject');
    return assertMayProcess(await this.registry.current(), state, SERVICE_PURPOSE, ['service_interactions', 'contact']);
  }
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
