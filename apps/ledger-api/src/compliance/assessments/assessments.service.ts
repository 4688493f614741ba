import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import {
  AssessmentCommand,
  AssessmentRecord,
  AssessmentState,
  assessmentStatus,
  approvedVersion,
  decideAssessment,
  evolveAssessments,
  initialAssessments,
  retainUntil,
} from '@pi-ledger/ledger-domain/assessments/assessment.decider';
import { AssessmentContent, AssessmentEvent, ASSESSMENTS_STREAM } from '@pi-ledger/ledger-domain/assessments/assessment.events';
import type { AssessmentErrorCode } from '@pi-ledger/ledger-domain/assessments/assessment.errors';
import { RequestContext, withMetadata } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';

const FOLD: StreamFold<AssessmentState, AssessmentEvent> = { initialState: initialAssessments, evolve: evolveAssessments };

export type AssessmentView = ReturnType<typeof view>;

/**
 * Personal-information protection impact assessments (PIPL Arts. 55–56), one per processing
 * activity, folded from the stream `impact-assessments` (few events, as the registry).
 */
@Injectable()
export class AssessmentsService {
  private readonly folded: CachedStreamFold<AssessmentState, AssessmentEvent>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly registry: RegistryService,
  ) {
    this.folded = new CachedStreamFold(store, ASSESSMENTS_STREAM, FOLD);
  }

  /** A new assessment (`assessmentId` absent) or a new version of one. */
  async record(assessmentId: string | undefined, content: AssessmentContent, context: RequestContext): Promise<AssessmentView & { position: number }> {
    const id = assessmentId ?? uuidv7();
    if (assessmentId !== undefined) await this.find(assessmentId);
    const registry = await this.registry.current();
    const position = await this.execute(() => ({ type: 'RecordAssessment', assessmentId: id, content, registry, now: this.now() }), context);
    return { ...(await this.find(id)), position };
  }

  async approve(assessmentId: string, version: number, expiresAt: string, context: RequestContext): Promise<AssessmentView & { position: number }> {
    const position = await this.execute(() => ({ type: 'ApproveAssessment', assessmentId, version, expiresAt, approvedBy: context.actor.id, now: this.now() }), context);
    return { ...(await this.find(assessmentId)), position };
  }

  async find(assessmentId: string): Promise<AssessmentView> {
    const { assessments } = await this.folded.current();
    if (!Object.hasOwn(assessments, assessmentId)) throw new DomainError<AssessmentErrorCode>('assessment-not-found', `no assessment ${assessmentId}`, { assessmentId });
    return view(assessments[assessmentId], this.now());
  }

  /** Every assessment (or those of one purpose), latest versions first. */
  async list(purposeId?: string): Promise<AssessmentView[]> {
    const now = this.now();
    return Object.values((await this.folded.current()).assessments)
      .filter((record) => purposeId === undefined || record.versions[0].purposeId === purposeId)
      .map((record) => view(record, now))
      .sort((a, b) => b.recordedAt.localeCompare(a.recordedAt));
  }

  private async execute(command: () => AssessmentCommand, context: RequestContext): Promise<number> {
    const { position } = await handleCommand(this.store, ASSESSMENTS_STREAM, FOLD, ({ state }) => decideAssessment(command(), state), { prepare: withMetadata(context) });
    return position;
  }

  private now(): string {
    return this.clock().toISOString();
  }
}

function view(record: AssessmentRecord, now: string) {
  const latest = record.versions[record.versions.length - 1];
  const { version, approval: _approval, recordedAt, ...content } = latest;
  const approved = approvedVersion(record);
  return {
    assessmentId: record.assessmentId,
    ...content,
    version,
    status: assessmentStatus(record, now),
    recordedAt,
    /** The version that covers the purpose (the latest approved one); null when none does. */
    approvedVersion: approved?.version ?? null,
    approvedBy: approved?.approval?.approvedBy ?? null,
    approvedAt: approved?.approval?.approvedAt ?? null,
    expiresAt: approved?.approval?.expiresAt ?? null,
    retainUntil: retainUntil(record),
    versions: record.versions.map((v) => ({ version: v.version, recordedAt: v.recordedAt, conclusion: v.conclusion, approvedAt: v.approval?.approvedAt ?? null })),
  };
}
