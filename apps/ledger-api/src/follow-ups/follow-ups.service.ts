import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, loadStream, StreamFold } from '@pi-ledger/event-store/command-handler';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { FOLLOW_UP_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { decideFollowUp, evolveFollowUp, FollowUpCommand, FollowUpState, initialFollowUpState } from '@pi-ledger/ledger-domain/follow-ups/follow-up.decider';
import { FOLLOW_UP_CATEGORY, FollowUpEvent, followUpStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import type { FollowUpErrorCode } from '@pi-ledger/ledger-domain/follow-ups/follow-up.errors';
import { FollowUpRow, FollowUpTaskQueries } from '@pi-ledger/read-models/projections/follow-ups/follow-up-tasks.queries';
import { cursorKey, encodeCursor } from '@pi-ledger/read-models/projections/keyset-cursor';
import { RequestContext } from '../application/request-context';
import { sealedUnder, SubjectRecordAccess } from '../subject-records/subject-record-access';
import { chinaDate } from '../subjects/subject-data.dto';
import { FollowUpQueueDto } from './follow-ups.dto';
import { followingMoves } from '@pi-ledger/ledger-domain/subject/record-move';

const FOLLOW_UP_FOLD: StreamFold<FollowUpState, FollowUpEvent<unknown>> = followingMoves({ initialState: initialFollowUpState, evolve: evolveFollowUp });

/** What opening a task needs besides its ids, actor and time. */
export type OpenFollowUp = Omit<Extract<FollowUpCommand, { type: 'OpenFollowUp' }>, 'type' | 'taskId' | 'subjectId' | 'actor' | 'now' | 'today'>;

/** A change of an open task as the HTTP edge asks it, without the time and actor the service adds. */
export type FollowUpChange =
  | { type: 'CompleteFollowUp'; outcome: string; purposeId: string }
  | { type: 'CancelFollowUp'; reason: string; purposeId: string }
  | { type: 'ReassignFollowUp'; assignee: string; department: string | null };

/** A task with its note, outcome and reason opened ("[erased]" once shredded). */
export interface FollowUpView extends FollowUpRow {
  note?: unknown;
  outcome?: unknown;
  reason?: unknown;
}

/**
 * Follow-up tasks (回访): each its own stream on the one command path; the note, outcome and a
 * cancellation's reason sealed under the customer's `service_interactions` key. The work queues
 * read clear columns only (no value of the customer's), so they record no access; a customer's own
 * list opens the sealed values and is recorded.
 */
@Injectable()
export class FollowUpsService {
  readonly codec: DeclaredEventCodec<FollowUpEvent<unknown>>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly access: SubjectRecordAccess,
    readonly tasks: FollowUpTaskQueries,
  ) {
    this.codec = new DeclaredEventCodec<FollowUpEvent<unknown>>(vault, FOLLOW_UP_PI);
  }

  today(): string {
    return chinaDate(this.clock());
  }

  async open(subjectId: string, input: OpenFollowUp, purposeId: string, context: RequestContext) {
    const purpose = await this.access.authorizeWrite(subjectId, context, purposeId, FOLLOW_UP_CATEGORY);
    return this.openAuthorized(subjectId, input, purpose, context);
  }

  /**
   * Opens a task whose write was authorised already (the abnormal-result rule under the check-up's
   * purpose; a plan's occurrence under the plan's, with the id the occurrence fixes and the sweep's
   * time, so that opening it again is refused as follow-up-exists instead of making a second task).
   */
  async openAuthorized(subjectId: string, input: OpenFollowUp, purpose: Purpose, context: RequestContext, fixed?: { taskId: string; now: Date }) {
    const taskId = fixed?.taskId ?? uuidv7();
    const handled = await this.decide(taskId, context, purpose, (at) => ({ ...at, ...input, type: 'OpenFollowUp', subjectId }), fixed?.now);
    return { taskId, version: handled.version, position: handled.position };
  }

  /** The sweep's escalation of one task, as of `now`: nothing when it is closed, escalated already or not late enough (decided on its stream). */
  async escalate(taskId: string, delayDays: number, escalatedTo: string | null, context: RequestContext, now: Date) {
    const handled = await this.decide(taskId, context, undefined, (at) => ({ ...at, type: 'EscalateFollowUp', delayDays, escalatedTo }), now);
    return { escalated: handled.events.length > 0, department: handled.state.status === 'absent' ? null : handled.state.department, position: handled.position };
  }

  async change(taskId: string, change: FollowUpChange, context: RequestContext) {
    const { state } = await loadStream(this.store, followUpStream(taskId), FOLLOW_UP_FOLD);
    if (state.status === 'absent') throw new DomainError<FollowUpErrorCode>('follow-up-not-found', 'no such follow-up task', { taskId });
    // a reassignment moves work between staff and records no value of the customer's: it needs the roles, not a purpose
    const purpose = change.type === 'ReassignFollowUp' ? undefined : await this.access.authorizeWrite(state.subjectId, context, change.purposeId, FOLLOW_UP_CATEGORY);
    const handled = await this.decide(taskId, context, purpose, (at): FollowUpCommand => {
      switch (change.type) {
        case 'CompleteFollowUp':
          return { ...at, type: change.type, outcome: change.outcome };
        case 'CancelFollowUp':
          return { ...at, type: change.type, reason: change.reason };
        case 'ReassignFollowUp':
          return { ...at, type: change.type, assignee: change.assignee, department: change.department };
      }
    });
    return { taskId, status: handled.state.status, version: handled.version, position: handled.position };
  }

  async listOf(subjectId: string, context: RequestContext, purposeHeader: string | undefined): Promise<FollowUpView[]> {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, FOLLOW_UP_CATEGORY);
    const tasks = await this.exportOf(subjectId);
    await this.access.recordRead(context, [subjectId], read, FOLLOW_UP_CATEGORY, 'follow-ups');
    return tasks;
  }

  /** Every task of the subject with its values opened, for its access/copy export (PIPL Art. 45). */
  async exportOf(subjectId: string): Promise<FollowUpView[]> {
    const rows = await this.tasks.bySubject(subjectId, this.today());
    return Promise.all(
      rows.map(async ({ sealed, ...row }) => {
        const open = async (type: FollowUpEvent['type'], member: string, value: unknown) =>
          value === null
            ? undefined
            : ((await this.codec.open({ type, data: { taskId: row.taskId, subjectId, [member]: value } } as FollowUpEvent<unknown>)).data as Record<string, unknown>)[member];
        const [note, outcome, reason] = await Promise.all([
          open('FollowUpOpened', 'note', sealed.note),
          open('FollowUpCompleted', 'outcome', sealed.outcome),
          open('FollowUpCancelled', 'reason', sealed.reason),
        ]);
        return { ...row, ...(note === undefined ? {} : { note }), ...(outcome === undefined ? {} : { outcome }), ...(reason === undefined ? {} : { reason }) };
      }),
    );
  }

  /** A work queue: per assignee (`me`), per department (`mine`), by status, overdue and escalation (`escalatedTo=me`: a manager's), by due date. */
  async queue(filter: FollowUpQueueDto, context: RequestContext): Promise<{ items: FollowUpRow[]; nextCursor: string | null }> {
    const assignee = filter.assignee === 'me' ? context.actor.id : filter.assignee;
    const department = filter.department === 'mine' ? context.actor.departmentId : filter.department;
    if (filter.department === 'mine' && !department) throw new InvalidInput([{ path: 'query.department', message: 'your token names no department' }]);
    const after = cursorKey(filter.cursor, 2);
    const limit = filter.limit ?? 50;
    const rows = await this.tasks.queue({
      assignee,
      department,
      status: filter.status,
      overdue: filter.overdue,
      escalated: filter.escalated,
      escalatedTo: filter.escalatedTo === 'me' ? context.actor.id : filter.escalatedTo,
      today: this.today(),
      after: after as [string, string],
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.dueDate, last.taskId]) : null };
  }

  private async decide(
    taskId: string,
    context: RequestContext,
    purpose: Purpose | undefined,
    build: (at: { taskId: string; actor: string; now: string; today: string }) => FollowUpCommand,
    now = this.clock(),
  ) {
    const at = { taskId, actor: context.actor.id, now: now.toISOString(), today: chinaDate(now) };
    return handleCommand(this.store, followUpStream(taskId), FOLLOW_UP_FOLD, ({ state }) => decideFollowUp(build(at), state), {
      prepare: sealedUnder(this.codec, context, purpose),
    });
  }
}
