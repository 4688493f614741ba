import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, loadStream, readWholeStream, StreamFold } from '@pi-ledger/event-store/command-handler';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { COMPLAINT_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { reachOf } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import type { AssignmentErrorCode } from '@pi-ledger/ledger-domain/assignment/assignment.errors';
import { ComplaintCommand, ComplaintState, decideComplaint, evolveComplaint, initialComplaintState } from '@pi-ledger/ledger-domain/complaints/complaint.decider';
import { COMPLAINT_CATEGORY, ComplaintEvent, complaintStream, ComplaintTextCategory } from '@pi-ledger/ledger-domain/complaints/complaint.events';
import type { ComplaintErrorCode } from '@pi-ledger/ledger-domain/complaints/complaint.errors';
import { serviceRecordStream } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import { ComplaintQueries, ComplaintRow, SealedComplaint } from '@pi-ledger/read-models/projections/complaints/complaints.queries';
import { cursorKey, encodeCursor } from '@pi-ledger/read-models/projections/keyset-cursor';
import { eventMetadata, RequestContext } from '../application/request-context';
import { RecordsRead, sealedUnder, SubjectRecordAccess } from '../subject-records/subject-record-access';
import { SubjectCommandsService } from '../subjects/subject-commands.service';
import { DepartmentsService } from '../departments/departments.service';
import { ComplaintDeadlinesService } from './complaint-deadlines.service';
import { ComplaintManagers } from './complaint-managers';
import { ComplaintQueueDto, FileComplaintDto } from './complaints.dto';
import { effectiveEvents, followingMoves } from '@pi-ledger/ledger-domain/subject/record-move';

const COMPLAINT_FOLD: StreamFold<ComplaintState, ComplaintEvent<unknown>> = followingMoves({ initialState: initialComplaintState, evolve: evolveComplaint });
type Live = Exclude<ComplaintState, { status: 'absent' }>;

/** A change of a complaint as the HTTP edge asks it; the service adds actor, time, deadlines and managers. */
export type ComplaintChange =
  | { type: 'AssignComplaint'; handler: string; department?: string }
  | { type: 'StartComplaint' }
  | { type: 'NoteComplaint'; note: string; purposeId: string }
  | { type: 'ReplyToComplaint'; reply: string; purposeId: string }
  | { type: 'CloseComplaint'; satisfaction: number | null; purposeId: string }
  | { type: 'ReopenComplaint'; reason: string; purposeId: string }
  | { type: 'EscalateComplaint'; reason?: string; purposeId: string };

/** A complaint with its texts opened ("[erased]" once shredded), or withheld when the reader may not read health data. */
export type ComplaintListItem = Omit<SealedComplaint, 'sealed' | 'textCategory'> & ({ description: unknown; reply: unknown } | { textWithheld: true });

/** One step of a complaint's life as its event recorded it, its text opened. */
export type ComplaintStep = { type: ComplaintEvent['type'] } & Record<string, unknown>;

const TEXT_MEMBERS = ['description', 'note', 'reply', 'reason'] as const;

/**
 * Complaints (投诉): each its own stream on the one command path; its texts sealed under the
 * customer's key for the complaint's text category (`service_interactions`, or `health_records` when
 * marked as holding health data), so reading one needs that category's permission and basis. The
 * queue reads clear columns only (no value of the customer's) and records no access; a customer's
 * list and one complaint open the texts and are recorded.
 */
@Injectable()
export class ComplaintsService {
  readonly codec: DeclaredEventCodec<ComplaintEvent<unknown>>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly access: SubjectRecordAccess,
    private readonly subjects: SubjectCommandsService,
    private readonly departments: DepartmentsService,
    private readonly deadlines: ComplaintDeadlinesService,
    private readonly managers: ComplaintManagers,
    readonly complaints: ComplaintQueries,
  ) {
    this.codec = new DeclaredEventCodec<ComplaintEvent<unknown>>(vault, COMPLAINT_PI);
  }

  async file(subjectId: string, input: FileComplaintDto, context: RequestContext) {
    const holdsHealthData = input.holdsHealthData ?? false;
    const purpose = await this.access.authorizeWrite(subjectId, context, input.purposeId, holdsHealthData ? 'health_records' : COMPLAINT_CATEGORY);
    if (input.serviceRecordId !== undefined) await this.assertServiceRecordOf(subjectId, input.serviceRecordId);
    if (input.department !== undefined) await this.assertDepartment(input.department, 'department');
    const { state: customer } = await this.subjects.load(subjectId);
    const assigned = customer.status === 'active' || customer.status === 'restricted' ? customer.assignment.departmentId : null;
    const department = input.department ?? assigned ?? context.actor.departmentId ?? null;
    const policy = await this.deadlines.current();
    const complaintId = uuidv7();
    const { channel, category, severity, description } = input;
    const handled = await this.decide(complaintId, context, purpose, (at) => ({
      ...at,
      type: 'FileComplaint',
      subjectId,
      channel,
      category,
      severity,
      description,
      serviceRecordId: input.serviceRecordId ?? null,
      holdsHealthData,
      department,
      policy,
    }));
    return { complaintId, ...this.outcome(handled.state), version: handled.version, position: handled.position };
  }

  async change(complaintId: string, change: ComplaintChange, context: RequestContext, expectedVersion?: number) {
    const state = await this.live(complaintId);
    let purpose: Purpose | undefined;
    if (change.type === 'AssignComplaint' || change.type === 'StartComplaint') await this.access.authorizeChange(state.subjectId, context);
    else purpose = await this.access.authorizeWrite(state.subjectId, context, change.purposeId, state.textCategory);
    if (change.type === 'AssignComplaint' && change.department !== undefined) await this.assertDepartment(change.department, 'department');
    const policy = change.type === 'ReopenComplaint' ? await this.deadlines.current() : undefined;
    const handled = await this.decide(
      complaintId,
      context,
      purpose,
      async (at, current): Promise<ComplaintCommand> => {
        switch (change.type) {
          case 'AssignComplaint':
            return { ...at, type: change.type, handler: change.handler, department: change.department ?? (current.status === 'absent' ? null : current.department) };
          case 'StartComplaint':
            return { ...at, type: change.type };
          case 'NoteComplaint':
            return { ...at, type: change.type, note: change.note };
          case 'ReplyToComplaint':
            return { ...at, type: change.type, reply: change.reply };
          case 'CloseComplaint':
            return { ...at, type: change.type, satisfaction: change.satisfaction };
          case 'ReopenComplaint':
            return { ...at, type: change.type, reason: change.reason, policy: policy! };
          case 'EscalateComplaint':
            return {
              ...at,
              type: change.type,
              managers: await this.managers.of(current.status === 'absent' ? null : current.department),
              ...(change.reason === undefined ? {} : { reason: change.reason }),
            };
        }
      },
      { expectedVersion },
    );
    return { complaintId, ...this.outcome(handled.state), version: handled.version, position: handled.position };
  }

  /**
   * The sweep's command: escalates each deadline of the complaint passed by `now` and not escalated
   * yet; nothing otherwise. `managersOf`: the sweep's memo of ComplaintManagers for its run.
   */
  async escalateOverdue(complaintId: string, now: Date, context: RequestContext, managersOf = (departmentId: string | null) => this.managers.of(departmentId)) {
    const handled = await this.decide(
      complaintId,
      context,
      undefined,
      async (at, current) => ({ ...at, type: 'EscalateOverdueComplaint', managers: await managersOf(current.status === 'absent' ? null : current.department) }),
      { now },
    );
    return handled.events.map((event) => event.data as Extract<ComplaintEvent, { type: 'ComplaintEscalated' }>['data']);
  }

  /** One complaint with every step of its life, its texts opened; the read is recorded under the complaint's text category. */
  async readOne(subjectId: string, complaintId: string, context: RequestContext, purposeHeader: string | undefined) {
    const { state, version, events } = await loadStream(this.store, complaintStream(complaintId), COMPLAINT_FOLD);
    if (state.status === 'absent' || state.subjectId !== subjectId) throw notFound(complaintId);
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, state.textCategory);
    const view = await this.viewOf(state, effectiveEvents(events));
    await this.access.recordRead(context, [subjectId], read, state.textCategory, 'complaints');
    return { view, version };
  }

  /** A customer's complaints with description and latest reply; those holding health data show their texts only to readers of `health_records`. */
  async listOf(subjectId: string, context: RequestContext, purposeHeader: string | undefined): Promise<ComplaintListItem[]> {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, COMPLAINT_CATEGORY);
    const rows = await this.complaints.bySubject(subjectId, this.clock().toISOString());
    const healthRead = rows.some((row) => row.textCategory === 'health_records') ? await this.healthReadOrNone(subjectId, context, purposeHeader) : undefined;
    const items = await Promise.all(rows.map((row) => (row.textCategory === 'health_records' && !healthRead ? Promise.resolve(withheld(row)) : this.opened(row))));
    await this.access.recordRead(context, [subjectId], read, COMPLAINT_CATEGORY, 'complaints');
    if (healthRead) await this.access.recordRead(context, [subjectId], healthRead, 'health_records', 'complaints');
    return items;
  }

  /** Every complaint of the subject whose text category `include`s, with every step, for its access/copy export (PIPL Art. 45). */
  async exportOf(subjectId: string, include: (category: ComplaintTextCategory) => boolean = () => true) {
    const rows = await this.complaints.bySubject(subjectId, this.clock().toISOString());
    const views = [];
    for (const row of rows.filter((candidate) => include(candidate.textCategory))) {
      const { state, events } = await loadStream(this.store, complaintStream(row.complaintId), COMPLAINT_FOLD);
      if (state.status !== 'absent') views.push(await this.viewOf(state, effectiveEvents(events)));
    }
    return views;
  }

  /** The queue: no value of the customer's. Health managers and customer service see their department's complaints and those they handle. */
  async queue(filter: ComplaintQueueDto, context: RequestContext): Promise<{ items: ComplaintRow[]; nextCursor: string | null }> {
    const handler = filter.assignee === 'me' ? context.actor.id : filter.assignee;
    const department = filter.department === 'mine' ? context.actor.departmentId : filter.department;
    if (filter.department === 'mine' && !department) throw new InvalidInput([{ path: 'query.department', message: 'your token names no department' }]);
    const after = cursorKey(filter.cursor, 2);
    const reach = reachOf(context.actor);
    if (reach.kind === 'assigned' && department !== undefined && department !== reach.departmentId) {
      throw new DomainError<AssignmentErrorCode>('outside-assignment', 'you see the complaints of your own department only', { department });
    }
    const limit = filter.limit ?? 50;
    const rows = await this.complaints.queue({
      status: filter.status,
      severity: filter.severity,
      department,
      handler,
      overdue: filter.overdue,
      ...(reach.kind === 'assigned' ? { scope: { department: reach.departmentId, handler: context.actor.id } } : {}),
      now: this.clock().toISOString(),
      after: after as [string, string] | undefined,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.resolutionDueAt, last.complaintId]) : null };
  }

  private outcome(state: ComplaintState) {
    if (state.status === 'absent') return { status: state.status };
    return { status: state.status, replyDueAt: state.replyDueAt, resolutionDueAt: state.resolutionDueAt };
  }

  private async live(complaintId: string): Promise<Live> {
    const { state } = await loadStream(this.store, complaintStream(complaintId), COMPLAINT_FOLD);
    if (state.status === 'absent') throw notFound(complaintId);
    return state;
  }

  private async healthReadOrNone(subjectId: string, context: RequestContext, purposeHeader: string | undefined): Promise<RecordsRead | undefined> {
    try {
      return await this.access.authorizeRead(subjectId, context, purposeHeader, 'health_records');
    } catch (error) {
      if (error instanceof DomainError) return undefined;
      throw error;
    }
  }

  private async opened({ sealed, textCategory, ...row }: SealedComplaint): Promise<ComplaintListItem> {
    const open = async (type: 'ComplaintReceived' | 'ComplaintReplied', member: 'description' | 'reply', value: unknown) => {
      if (value === null) return null;
      const event = { type, data: { complaintId: row.complaintId, subjectId: row.subjectId, [member]: { category: textCategory, text: value } } } as ComplaintEvent<unknown>;
      return ((await this.codec.open(event)).data as unknown as Record<string, { text: unknown }>)[member].text;
    };
    return { ...row, description: await open('ComplaintReceived', 'description', sealed.description), reply: await open('ComplaintReplied', 'reply', sealed.reply) };
  }

  private async viewOf(state: Live, recorded: readonly RecordedEvent<ComplaintEvent<unknown>>[]) {
    const events = await this.codec.openAll(recorded.map(({ type, data }) => ({ type, data }) as ComplaintEvent<unknown>));
    const history: ComplaintStep[] = events.map((event) => {
      const { complaintId: _id, subjectId: _subject, ...data } = event.data as Record<string, unknown>;
      for (const member of TEXT_MEMBERS) if (data[member] !== undefined) data[member] = (data[member] as { text: unknown }).text;
      return { type: event.type, ...data };
    });
    const received = history[0];
    const last = (type: ComplaintEvent['type']) => history.filter((step) => step.type === type).at(-1);
    const { escalated: _escalated, textCategory, ...current } = state;
    return {
      ...current,
      channel: received.channel,
      category: received.category,
      serviceRecordId: received.serviceRecordId,
      holdsHealthData: textCategory === 'health_records',
      description: received.description,
      reply: last('ComplaintReplied')?.reply ?? null,
      satisfaction: state.status === 'closed' ? (last('ComplaintClosed')?.satisfaction ?? null) : null,
      receivedBy: received.receivedBy,
      receivedAt: received.receivedAt,
      history,
    };
  }

  private async assertServiceRecordOf(subjectId: string, recordId: string): Promise<void> {
    const [recorded] = effectiveEvents(await readWholeStream<{ type: string; data: { subjectId?: string } }>(this.store, serviceRecordStream(recordId)));
    if (recorded?.data.subjectId !== subjectId) throw new InvalidInput([{ path: 'serviceRecordId', message: 'no service record of this customer has this id' }]);
  }

  private async assertDepartment(departmentId: string, path: string): Promise<void> {
    const department = await this.departments.find(departmentId);
    if (!department || department.status !== 'active') throw new InvalidInput([{ path, message: 'no active department has this id' }]);
  }

  private async decide(
    complaintId: string,
    context: RequestContext,
    purpose: Purpose | undefined,
    build: (at: { complaintId: string; actor: string; now: string }, state: ComplaintState) => ComplaintCommand | Promise<ComplaintCommand>,
    options: { expectedVersion?: number; now?: Date } = {},
  ) {
    const now = (options.now ?? this.clock()).toISOString();
    const at = { complaintId, actor: context.actor.id, now };
    return handleCommand(this.store, complaintStream(complaintId), COMPLAINT_FOLD, async ({ state }) => decideComplaint(await build(at, state), state), {
      ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }),
      prepare: purpose
        ? sealedUnder(this.codec, context, purpose)
        : async (events) => ({ events: (await this.codec.sealAll(events)).map((event) => ({ ...event, metadata: eventMetadata(context) })) }),
    });
  }
}

const notFound = (complaintId: string) => new DomainError<ComplaintErrorCode>('complaint-not-found', 'no such complaint', { complaintId });

function withheld({ sealed: _sealed, textCategory: _category, ...row }: SealedComplaint): ComplaintListItem {
  return { ...row, textWithheld: true };
}
