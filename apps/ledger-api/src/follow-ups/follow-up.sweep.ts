import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { v5 as uuidv5 } from 'uuid';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { dueOccurrence, FollowUpPlanState } from '@pi-ledger/ledger-domain/follow-ups/follow-up-plan.decider';
import { FOLLOW_UP_CATEGORY } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import { addToDate } from '@pi-ledger/ledger-domain/follow-ups/plan-schedule';
import { assertMayProcess } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { PeriodicSweep, withAdvisoryLock } from '@pi-ledger/platform/scheduling/periodic-sweep';
import { RequestContext } from '../application/request-context';
import { DepartmentsService } from '../departments/departments.service';
import { RegistryService } from '../registry/registry.service';
import { SubjectCommandsService } from '../subjects/subject-commands.service';
import { chinaDate } from '../subjects/subject-data.dto';
import { EscalationPolicyService } from './escalation-policy.service';
import { FollowUpPlansService } from './follow-up-plans.service';
import { FollowUpsMetrics } from './follow-ups.metrics';
import { FollowUpsService } from './follow-ups.service';
import { FOLLOW_UP_SWEEP_SCHEDULE, FollowUpSweepSchedule } from './follow-up-sweep.schedule';

export interface FollowUpSweepRun {
  at: string;
  /** False when another process was sweeping already (one sweep at a time per database). */
  ran: boolean;
  opened: Array<{ planId: string; occurrence: number; taskId: string }>;
  plansEnded: Array<{ planId: string; cause: string }>;
  /** Occurrences due whose customer's processing does not allow them now (consent withdrawn, restricted): tried again at the next run. */
  refused: Array<{ planId: string; code: string }>;
  escalated: Array<{ taskId: string; escalatedTo: string | null }>;
  failed: Array<{ id: string; code: string }>;
}

const PAGE = 200;
/** At most this many occurrences of one plan per run: a plan far behind catches up over several runs. */
const OCCURRENCES_PER_RUN = 50;
/** pg advisory lock key of the sweep: "pi-ledger follow-ups" in a bigint. */
const LOCK_KEY = '7304853921004613';
/** The namespace of the task ids occurrences get: uuidv5(`<planId>/<occurrence>`), the same in every process and run. */
const OCCURRENCE_TASKS = 'f3a1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b';

/** The id of the task of a plan's occurrence: fixed, so opening it twice is refused by its stream instead of making a second task. */
export const occurrenceTaskId = (planId: string, occurrence: number) => uuidv5(`${planId}/${occurrence}`, OCCURRENCE_TASKS);

/**
 * The follow-up sweep: opens the task of every plan occurrence whose open date has come, exactly
 * once (a fixed task id per plan and occurrence, then the occurrence recorded on the plan's stream;
 * a crash between the two, or a second process, finds the task there and only records it), and
 * escalates open tasks overdue longer than the policy's delay to their department's head, once per
 * task. Time comes from LEDGER_CLOCK; `runOnce(now)` sweeps at a given time (tests, drills).
 */
@Injectable()
export class FollowUpSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private periodic?: PeriodicSweep;

  constructor(
    private readonly plans: FollowUpPlansService,
    private readonly followUps: FollowUpsService,
    private readonly policy: EscalationPolicyService,
    private readonly departments: DepartmentsService,
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
    private readonly metrics: FollowUpsMetrics,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(FOLLOW_UP_SWEEP_SCHEDULE) private readonly schedule: FollowUpSweepSchedule,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic = new PeriodicSweep('follow-up sweep', this.schedule.intervalMs, () => this.runOnce(this.clock()), this.logger);
    this.periodic.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.periodic?.stop();
  }

  async runOnce(now: Date): Promise<FollowUpSweepRun> {
    const run: FollowUpSweepRun = { at: now.toISOString(), ran: false, opened: [], plansEnded: [], refused: [], escalated: [], failed: [] };
    const context = systemContext(now);
    const locked = await withAdvisoryLock(this.pool, LOCK_KEY, async () => {
      await this.openDueOccurrences(now, context, run);
      await this.escalateOverdue(now, context, run);
    });
    run.ran = locked.ran;
    if (run.opened.length + run.plansEnded.length + run.refused.length + run.escalated.length + run.failed.length > 0) {
      const { opened, plansEnded, refused, escalated, failed } = run;
      this.logger.info({ at: run.at, opened: opened.length, plansEnded, refused, escalated: escalated.length, failed }, 'follow-up sweep');
    }
    return run;
  }

  private async openDueOccurrences(now: Date, context: RequestContext, run: FollowUpSweepRun): Promise<void> {
    const today = chinaDate(now);
    for (let after = ''; ;) {
      const planIds = await this.plans.plans.due(today, after, PAGE);
      for (const planId of planIds) {
        try {
          await this.advance(planId, now, context, run);
        } catch (error) {
          run.failed.push({ id: planId, code: codeOf(error) });
          this.logger.warn({ err: error, planId }, 'opening a plan’s follow-up failed; the next sweep tries again');
        }
      }
      if (planIds.length < PAGE) return;
      after = planIds[planIds.length - 1];
    }
  }

  /** Opens the plan's due occurrences one by one, each decided on the plan's stream as it stands. */
  private async advance(planId: string, now: Date, context: RequestContext, run: FollowUpSweepRun): Promise<void> {
    let state: FollowUpPlanState = (await this.plans.load(planId)).state;
    for (let n = 0; n < OCCURRENCES_PER_RUN; n++) {
      const due = dueOccurrence(state, chinaDate(now));
      if (!due || state.status === 'absent') return;
      const { state: subject } = await this.subjects.load(state.subjectId);
      if (subject.status !== 'active' && subject.status !== 'restricted') {
        await this.plans.endErased([planId], context, now);
        run.plansEnded.push({ planId, cause: 'subject-erased' });
        return;
      }
      let purpose;
      try {
        purpose = assertMayProcess(await this.registry.current(), subject, state.purposeId, [FOLLOW_UP_CATEGORY]);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        run.refused.push({ planId, code: error.code });
        return;
      }
      const taskId = occurrenceTaskId(planId, due.occurrence);
      const note = await this.plans.openReason(planId, state.subjectId, state.reason);
      const input = {
        dueDate: due.dueDate,
        assignee: state.assignee ?? subject.assignment.healthManagerId ?? state.createdBy,
        department: state.department,
        channel: state.channel,
        source: { kind: 'plan' as const, planId, occurrence: due.occurrence },
        ...(typeof note === 'string' ? { note } : {}),
      };
      try {
        await this.followUps.openAuthorized(state.subjectId, input, purpose, context, { taskId, now });
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'follow-up-exists') throw error; // opened by a run that stopped before recording it
      }
      const recorded = await this.plans.recordOccurrence(planId, due.occurrence, taskId, context, now);
      if (recorded.events.length > 0) run.opened.push({ planId, occurrence: due.occurrence, taskId });
      const ended = recorded.events.find((event) => event.type === 'FollowUpPlanEnded');
      if (ended) run.plansEnded.push({ planId, cause: (ended.data as { cause: string }).cause });
      state = recorded.state;
    }
  }

  private async escalateOverdue(now: Date, context: RequestContext, run: FollowUpSweepRun): Promise<void> {
    const policy = await this.policy.current();
    if (!policy.enabled) return;
    const dueBefore = addToDate(chinaDate(now), -policy.delayDays, 'days');
    for (let after: [string, string] | undefined; ;) {
      const candidates = await this.followUps.tasks.escalationCandidates(dueBefore, after, PAGE);
      for (const { taskId, department } of candidates) {
        try {
          const escalatedTo = department === null ? null : ((await this.departments.find(department))?.managerId ?? null);
          const result = await this.followUps.escalate(taskId, policy.delayDays, escalatedTo, context, now);
          if (!result.escalated) continue;
          run.escalated.push({ taskId, escalatedTo });
          this.metrics.escalations.inc({ department: result.department ?? '' });
        } catch (error) {
          run.failed.push({ id: taskId, code: codeOf(error) });
          this.logger.warn({ err: error, taskId }, 'escalating a follow-up failed; the next sweep tries again');
        }
      }
      const last = candidates.at(-1);
      if (!last || candidates.length < PAGE) return;
      after = [last.dueDate, last.taskId];
    }
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'internal-error';
}

function systemContext(now: Date): RequestContext {
  const id = `follow-up-sweep-${now.toISOString()}`;
  return { actor: { id: 'system:follow-up-sweep', roles: [] }, correlationId: id, causationId: id };
}
