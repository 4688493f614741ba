import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, loadStream, StreamFold } from '@pi-ledger/event-store/command-handler';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { FOLLOW_UP_PLAN_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { FOLLOW_UP_CATEGORY } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import type { FollowUpErrorCode } from '@pi-ledger/ledger-domain/follow-ups/follow-up.errors';
import { FollowUpPlanEvent, followUpPlanStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up-plan.events';
import {
  decideFollowUpPlan,
  evolveFollowUpPlan,
  FollowUpPlanCommand,
  FollowUpPlanState,
  initialFollowUpPlanState,
} from '@pi-ledger/ledger-domain/follow-ups/follow-up-plan.decider';
import { dueDateOf, exhaustedBy } from '@pi-ledger/ledger-domain/follow-ups/plan-schedule';
import { FollowUpPlanQueries } from '@pi-ledger/read-models/projections/follow-ups/follow-up-plans.queries';
import { RequestContext } from '../application/request-context';
import { sealedUnder, SubjectRecordAccess } from '../subject-records/subject-record-access';
import { chinaDate } from '../subjects/subject-data.dto';
import { followingMoves } from '@pi-ledger/ledger-domain/subject/record-move';

export const PLAN_FOLD: StreamFold<FollowUpPlanState, FollowUpPlanEvent<unknown>> = followingMoves({ initialState: initialFollowUpPlanState, evolve: evolveFollowUpPlan });

/** What creating a plan needs besides its ids, actor and time. */
export type NewFollowUpPlan = Omit<Extract<FollowUpPlanCommand, { type: 'CreateFollowUpPlan' }>, 'type' | 'planId' | 'subjectId' | 'actor' | 'now' | 'today' | 'purposeId'>;

/** A plan as the API shows it, its reason opened ("[erased]" once shredded). */
export interface FollowUpPlanView {
  planId: string;
  subjectId: string;
  status: 'active' | 'paused' | 'ended';
  schedule: Extract<FollowUpPlanState, { planId: string }>['schedule'];
  channel: string;
  assignee: string | null;
  department: string | null;
  purposeId: string;
  reason: unknown;
  nextOccurrence: number;
  nextDueDate: string | null;
  createdBy: string;
  version: number;
}

type Context = { planId: string; actor: string; now: string; today: string };

/**
 * Recurring follow-up plans (随访计划): each its own stream on the one command path, the reason sealed
 * under the customer's `service_interactions` key. Creating and resuming need a purpose that covers
 * the category for this customer (they lead to tasks being opened under it); pausing and ending
 * only the roles and the customer's reach, so work can always be stopped. The sweep
 * (follow-up.sweep.ts) opens each occurrence's task.
 */
@Injectable()
export class FollowUpPlansService {
  readonly codec: DeclaredEventCodec<FollowUpPlanEvent<unknown>>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly access: SubjectRecordAccess,
    readonly plans: FollowUpPlanQueries,
  ) {
    this.codec = new DeclaredEventCodec<FollowUpPlanEvent<unknown>>(vault, FOLLOW_UP_PLAN_PI);
  }

  async create(subjectId: string, input: NewFollowUpPlan, purposeId: string, context: RequestContext) {
    const purpose = await this.access.authorizeWrite(subjectId, context, purposeId, FOLLOW_UP_CATEGORY);
    const planId = uuidv7();
    const handled = await this.decide(planId, context, purpose, (at) => ({ ...at, ...input, type: 'CreateFollowUpPlan', subjectId, purposeId }));
    return { planId, plan: await this.viewOf(handled.state, handled.version), version: handled.version, position: handled.position };
  }

  /** Pause, resume or end, at `expectedVersion` when the client sent If-Match. Resuming needs `purposeId`. */
  async change(planId: string, type: 'PauseFollowUpPlan' | 'ResumeFollowUpPlan' | 'EndFollowUpPlan', context: RequestContext, expectedVersion?: number, purposeId?: string) {
    const { state } = await this.load(planId);
    let purpose: Purpose | undefined;
    if (type === 'ResumeFollowUpPlan') purpose = await this.access.authorizeWrite(state.subjectId, context, purposeId ?? state.purposeId, FOLLOW_UP_CATEGORY);
    else await this.access.authorizeChange(state.subjectId, context, FOLLOW_UP_CATEGORY);
    const handled = await this.decide(
      planId,
      context,
      purpose,
      (at): FollowUpPlanCommand => (type === 'EndFollowUpPlan' ? { ...at, type, cause: 'ended' } : { ...at, type }),
      undefined,
      expectedVersion,
    );
    return { plan: await this.viewOf(handled.state, handled.version), version: handled.version, position: handled.position };
  }

  /** One plan, read from its stream (so its version is the ETag to send back), after the same checks as the customer's list; recorded. */
  async read(planId: string, context: RequestContext, purposeHeader: string | undefined): Promise<FollowUpPlanView> {
    const { state, version } = await this.load(planId);
    const read = await this.access.authorizeRead(state.subjectId, context, purposeHeader, FOLLOW_UP_CATEGORY);
    const view = await this.viewOf(state, version);
    await this.access.recordRead(context, [state.subjectId], read, FOLLOW_UP_CATEGORY, 'follow-ups');
    return view;
  }

  async listOf(subjectId: string, context: RequestContext, purposeHeader: string | undefined): Promise<FollowUpPlanView[]> {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, FOLLOW_UP_CATEGORY);
    const plans = await this.exportOf(subjectId);
    await this.access.recordRead(context, [subjectId], read, FOLLOW_UP_CATEGORY, 'follow-ups');
    return plans;
  }

  /** Every plan of the subject with its reason opened, for its access/copy export (PIPL Art. 45). */
  async exportOf(subjectId: string): Promise<FollowUpPlanView[]> {
    const rows = await this.plans.bySubject(subjectId);
    return Promise.all(
      rows.map(async ({ sealed, endCause: _endCause, lastTaskId: _lastTaskId, createdAt: _createdAt, updatedAt: _updatedAt, ...row }) => ({
        ...row,
        reason: await this.openReason(row.planId, subjectId, sealed.reason),
      })),
    );
  }

  /** The plan's reason in clear, for the tasks it opens (the sweep) and its views. */
  openReason(planId: string, subjectId: string, sealed: unknown): Promise<unknown> {
    return this.codec
      .open({ type: 'FollowUpPlanCreated', data: { planId, subjectId, reason: sealed } } as FollowUpPlanEvent<unknown>)
      .then((event) => (event.data as { reason: unknown }).reason);
  }

  /**
   * Erasure reaching the customer's `service_interactions` ends every plan of theirs not ended yet
   * (cause `subject-erased`, no purpose: it stops processing); `planIds` were read before the erasure
   * purged the read model.
   */
  async endErased(planIds: readonly string[], context: RequestContext, now: Date): Promise<void> {
    for (const planId of planIds) await this.decide(planId, context, undefined, (at) => ({ ...at, type: 'EndFollowUpPlan', cause: 'subject-erased' }), now);
  }

  /** The sweep's record that occurrence `occurrence` opened task `taskId` (nothing when recorded already). */
  recordOccurrence(planId: string, occurrence: number, taskId: string, context: RequestContext, now: Date) {
    return this.decide(planId, context, undefined, (at) => ({ ...at, type: 'RecordPlanOccurrence', occurrence, taskId }), now);
  }

  async load(planId: string) {
    const loaded = await loadStream(this.store, followUpPlanStream(planId), PLAN_FOLD);
    const state = loaded.state;
    if (state.status === 'absent') throw new DomainError<FollowUpErrorCode>('follow-up-plan-not-found', 'no such follow-up plan', { planId });
    return { state, version: loaded.version };
  }

  private async viewOf(state: FollowUpPlanState, version: number): Promise<FollowUpPlanView> {
    if (state.status === 'absent') throw new Error('a plan view needs a plan');
    const { planId, subjectId, status, schedule, channel, assignee, department, purposeId, createdBy, nextOccurrence } = state;
    const left = status !== 'ended' && exhaustedBy(schedule, nextOccurrence) === null;
    return {
      planId,
      subjectId,
      status,
      schedule,
      channel,
      assignee,
      department,
      purposeId,
      reason: await this.openReason(planId, subjectId, state.reason),
      nextOccurrence,
      nextDueDate: left ? dueDateOf(schedule, nextOccurrence) : null,
      createdBy,
      version,
    };
  }

  private async decide(
    planId: string,
    context: RequestContext,
    purpose: Purpose | undefined,
    build: (at: Context) => FollowUpPlanCommand,
    now = this.clock(),
    expectedVersion?: number,
  ) {
    const at = { planId, actor: context.actor.id, now: now.toISOString(), today: chinaDate(now) };
    return handleCommand(this.store, followUpPlanStream(planId), PLAN_FOLD, ({ state }) => decideFollowUpPlan(build(at), state), {
      expectedVersion,
      prepare: sealedUnder(this.codec, context, purpose),
    });
  }
}
