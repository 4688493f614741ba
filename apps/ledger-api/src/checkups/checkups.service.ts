import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { CHECKUP_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import type { Logger } from 'pino';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { CheckupState, decideCheckup, evolveCheckup, initialCheckupState } from '@pi-ledger/ledger-domain/checkups/checkup.decider';
import { CHECKUP_CATEGORY, CheckupEvent, checkupStream, CheckupVisit } from '@pi-ledger/ledger-domain/checkups/checkup.events';
import type { CheckupErrorCode } from '@pi-ledger/ledger-domain/checkups/checkup.errors';
import { CheckupVisitQueries, StoredCheckup } from '@pi-ledger/read-models/projections/checkups/checkup-visits.queries';
import { RequestContext } from '../application/request-context';
import { sealedUnder, SubjectRecordAccess } from '../subject-records/subject-record-access';
import { chinaDate } from '../subjects/subject-data.dto';
import { FollowUpsService } from '../follow-ups/follow-ups.service';
import { FollowUpRulesService } from '../follow-ups/follow-up-rules.service';
import { triggeringResults } from '@pi-ledger/ledger-domain/follow-ups/abnormal-result-rule';
import { RecordCheckupDto } from './checkups.dto';
import { followingMoves } from '@pi-ledger/ledger-domain/subject/record-move';

const CHECKUP_FOLD: StreamFold<CheckupState, CheckupEvent<unknown>> = followingMoves({ initialState: initialCheckupState, evolve: evolveCheckup });

/** A visit as read: its data, the visit opened ("[erased]" once shredded). */
export type CheckupView = CheckupEvent['data'];

export interface IndicatorPoint {
  visitId: string;
  visitDate: string;
  value: number | string;
  unit?: string;
  referenceRange?: { low?: number; high?: number; text?: string };
  abnormal: boolean | null;
}

/**
 * Check-up records (体检): each visit its own stream (`checkup-<visitId>`) on the one command path,
 * the visit sealed under the customer's `health_records` key before the append (CHECKUP_PI); reads
 * open the read model's sealed rows. Every rule of the customer file applies (SubjectRecordAccess).
 */
@Injectable()
export class CheckupsService {
  readonly codec: DeclaredEventCodec<CheckupEvent<unknown>>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly access: SubjectRecordAccess,
    private readonly visits: CheckupVisitQueries,
    private readonly followUps: FollowUpsService,
    private readonly rules: FollowUpRulesService,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {
    this.codec = new DeclaredEventCodec<CheckupEvent<unknown>>(vault, CHECKUP_PI);
  }

  async record(
    subjectId: string,
    input: RecordCheckupDto,
    context: RequestContext,
    /** An import's visit id, derived from its job and row: a re-run is refused as `checkup-exists`. */
    ids: { visitId?: string } = {},
  ): Promise<{ visitId: string; visit: CheckupView; followUpTaskId: string | null; version: number; position: number }> {
    const purpose = await this.access.authorizeWrite(subjectId, context, input.purposeId, CHECKUP_CATEGORY);
    const visitId = ids.visitId ?? uuidv7();
    const now = this.clock();
    const handled = await handleCommand(
      this.store,
      checkupStream(visitId),
      CHECKUP_FOLD,
      ({ state }) =>
        decideCheckup(
          {
            type: 'RecordCheckup',
            visitId,
            subjectId,
            visitDate: input.visitDate,
            ...(input.package === undefined ? {} : { package: input.package }),
            institution: input.institution,
            results: input.results.map((result) => ({ ...result })),
            conclusions: input.conclusions,
            recordedBy: context.actor.id,
            now: now.toISOString(),
            today: chinaDate(now),
          },
          state,
        ),
      { prepare: sealedUnder(this.codec, context, purpose) },
    );
    const [event] = handled.events;
    const followUp = await this.followUpAbnormal(event.data, input.purposeId, now, context);
    return { visitId, visit: event.data, followUpTaskId: followUp?.taskId ?? null, version: handled.version, position: Math.max(handled.position, followUp?.position ?? 0) };
  }

  /**
   * The abnormal-result rule: a task for the visit's abnormal results, under the check-up's purpose
   * (which must cover service_interactions too) and the recorder's roles. The check-up stands when
   * the task cannot be opened: that is logged, without any value.
   */
  private async followUpAbnormal(data: CheckupEvent['data'], purposeId: string, now: Date, context: RequestContext) {
    const rule = await this.rules.current();
    const abnormal = triggeringResults(rule, data.visit.results);
    if (abnormal.length === 0) return undefined;
    const dueDate = chinaDate(new Date(now.getTime() + rule.dueInDays * 86_400_000));
    const note = `体检异常指标：${abnormal.map((result) => `${result.name}（${result.code}）`).join('、')}`;
    const input = { dueDate, assignee: rule.assignee ?? context.actor.id, department: context.actor.departmentId ?? null, channel: rule.channel, note };
    try {
      return await this.followUps.open(data.subjectId, { ...input, source: { kind: 'checkup', visitId: data.visitId } }, purposeId, context);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.warn({ visitId: data.visitId, code: error.code }, 'abnormal check-up result: no follow-up task opened');
      return undefined;
    }
  }

  async list(subjectId: string, context: RequestContext, purposeHeader: string | undefined): Promise<CheckupView[]> {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, CHECKUP_CATEGORY);
    const visits = await this.open(await this.visits.bySubject(subjectId));
    await this.access.recordRead(context, [subjectId], read, CHECKUP_CATEGORY, 'checkups');
    return visits;
  }

  async get(subjectId: string, visitId: string, context: RequestContext, purposeHeader: string | undefined): Promise<CheckupView> {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, CHECKUP_CATEGORY);
    const stored = await this.visits.find(subjectId, visitId);
    if (!stored) throw new DomainError<CheckupErrorCode>('checkup-not-found', 'no such check-up of this subject', { visitId });
    const [visit] = await this.open([stored]);
    await this.access.recordRead(context, [subjectId], read, CHECKUP_CATEGORY, 'checkups');
    return visit;
  }

  /** One indicator across the subject's visits, oldest first (codes compared without case). */
  async trend(subjectId: string, code: string, context: RequestContext, purposeHeader: string | undefined): Promise<{ code: string; name?: string; points: IndicatorPoint[] }> {
    const read = await this.access.authorizeRead(subjectId, context, purposeHeader, CHECKUP_CATEGORY);
    const wanted = code.toUpperCase();
    const visits = (await this.open(await this.visits.bySubject(subjectId))).reverse();
    let name: string | undefined;
    const points: IndicatorPoint[] = [];
    for (const { visitId, visitDate, visit } of visits) {
      if (typeof visit !== 'object') continue; // erased
      const result = visit.results.find((candidate) => candidate.code.toUpperCase() === wanted);
      if (!result) continue;
      name = result.name;
      const { value, unit, referenceRange, abnormal } = result;
      points.push({ visitId, visitDate, value, ...(unit === undefined ? {} : { unit }), ...(referenceRange === undefined ? {} : { referenceRange }), abnormal });
    }
    await this.access.recordRead(context, [subjectId], read, CHECKUP_CATEGORY, 'checkups');
    return { code: wanted, ...(name === undefined ? {} : { name }), points };
  }

  /** Every visit of the subject for its access/copy export (PIPL Art. 45): the export records the read itself. */
  async exportOf(subjectId: string): Promise<CheckupView[]> {
    return this.open(await this.visits.bySubject(subjectId));
  }

  private async open(stored: readonly StoredCheckup[]): Promise<CheckupView[]> {
    const opened = await this.codec.openAll(stored.map((data) => ({ type: 'CheckupRecorded' as const, data })));
    return opened.map((event) => ({ ...event.data, visit: event.data.visit as CheckupVisit }));
  }
}
