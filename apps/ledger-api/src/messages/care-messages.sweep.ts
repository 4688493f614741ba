import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { PeriodicSweep, withAdvisoryLock } from '@pi-ledger/platform/scheduling/periodic-sweep';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { chinaDate } from '../subjects/subject-data.dto';
import { FollowUpsService } from '../follow-ups/follow-ups.service';
import { RequestContext } from '../application/request-context';
import { derivedId, templates } from './message-templates';
import { ServiceMessage, ServiceMessages } from './service-messages';
import { OUTBOX_SETTINGS, OutboxSettings } from './message-transports';
import { systemContext } from './outbox.dispatcher';

/** What one care run queued, by message id; customers skipped for want of a basis or an address are counted, not named. */
export interface CareRun {
  at: string;
  date: string;
  ran: boolean;
  birthdays: string[];
  followUpReminders: string[];
  checkupReminders: string[];
  skipped: Record<string, number>;
}

const PAGE = 500;
/** pg advisory lock key of the care sweep ("pi-ledger care"). */
const LOCK_KEY = '7304853921004602';
/** After every task id in key order: with a date, the keyset cursor that starts at the next day. */
const AFTER_ALL_IDS = 'zzzzzzzz';

/**
 * The care messages the centre sends by itself (000 §8.1–8.2), once a day by the ledger's date in
 * China, however often it runs (each message's id derives from its customer or task and the date):
 * birthday greetings to customers born on this day, and reminders to customers of a follow-up task
 * due tomorrow, and check-up reminders to customers whose last check-up is a year (configurable) ago. Each under the health-management purpose, skipped where it has no basis (a
 * restriction) or the customer no address.
 */
@Injectable()
export class CareMessagesSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private periodic?: PeriodicSweep;

  constructor(
    private readonly service: ServiceMessages,
    private readonly profiles: SubjectProfileQueries,
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
    const run: CareRun = { at: now.toISOString(), date, ran: false, birthdays: [], followUpReminders: [], checkupReminders: [], skipped: {} };
    const context = systemContext('care', now);
    const locked = await withAdvisoryLock(this.pool, LOCK_KEY, async () => {
      await this.birthdays(date, context, run);
      await this.followUpReminders(date, context, run);
      await this.checkupReminders(date, context, run);
    });
    run.ran = locked.ran;
    const counts = { birthdays: run.birthdays.length, followUpReminders: run.followUpReminders.length, checkupReminders: run.checkupReminders.length };
    if (counts.birthdays + counts.followUpReminders + counts.checkupReminders > 0) {
      this.logger.info({ date, ...counts, skipped: run.skipped }, 'care messages queued');
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
        const message = { subjectId, kind: 'birthday_care', source: { kind: 'birthday', date }, messageId: derivedId('birthday', subjectId, date) } as const;
        const queued = await this.queue({ ...message, content: (name) => templates.birthday(name) }, context, run);
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
        const source = { kind: 'follow-up', taskId: task.taskId } as const;
        const content = () => templates.followUpReminder(task.dueDate, task.channel);
        const queued = await this.queue({ subjectId: task.subjectId, kind: 'follow_up_reminder', source, messageId, content }, context, run);
        if (queued) run.followUpReminders.push(queued);
      }
      if (page.length < PAGE || due.length < page.length) return;
      const last = page[page.length - 1];
      after = [last.dueDate, last.taskId];
    }
  }

  /**
   * Reminds customers whose last check-up is `checkupReminderDays` (or a multiple of it) ago, once
   * per such period: the id derives from the customer, the last visit's date and the period's number,
   * so a new check-up starts over and a customer who does not come is reminded again a period later.
   * Its basis covers the check-up dates it reads (health_records) besides contact data.
   */
  private async checkupReminders(today: string, context: RequestContext, run: CareRun): Promise<void> {
    const every = this.settings.checkupReminderDays;
    if (every === 0) return;
    const cutoff = chinaDate(new Date(Date.parse(`${today}T12:00:00+08:00`) - every * 86_400_000));
    for (let after = ''; ;) {
      const { rows: page } = await this.pool.query<{ subject_id: string; last: string }>(
        `SELECT c.subject_id, to_char(max(c.visit_date), 'YYYY-MM-DD') AS last
           FROM checkup_visits c JOIN subject_profile p ON p.subject_id = c.subject_id AND p.status = 'active'
          WHERE c.subject_id > $1 GROUP BY c.subject_id HAVING max(c.visit_date) <= $2::date ORDER BY c.subject_id LIMIT $3`,
        [after, cutoff, PAGE],
      );
      for (const { subject_id: subjectId, last } of page) {
        const period = Math.floor(daysBetween(last, today) / every);
        const source = { kind: 'checkup', lastVisitDate: last } as const;
        const messageId = derivedId('checkup-reminder', subjectId, last, String(period));
        const content = () => templates.checkupReminder(monthsBetween(last, today));
        const queued = await this.queue({ subjectId, kind: 'checkup_reminder', source, messageId, content, uses: ['health_records'] }, context, run);
        if (queued) run.checkupReminders.push(queued);
      }
      if (page.length < PAGE) return;
      after = page[page.length - 1].subject_id;
    }
  }

  /** Queues one care message through ServiceMessages; the message id when queued now, skips counted by cause. */
  private async queue(message: ServiceMessage, context: RequestContext, run: CareRun): Promise<string | undefined> {
    const outcome = await this.service.queue(message, context);
    if ('skipped' in outcome) run.skipped[outcome.skipped] = (run.skipped[outcome.skipped] ?? 0) + 1;
    return 'queued' in outcome ? outcome.queued : undefined;
  }
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Whole calendar months from one date to a later one. */
function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number);
  const [ty, tm, td] = to.split('-').map(Number);
  return (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
