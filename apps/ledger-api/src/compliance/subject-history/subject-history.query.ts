import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { admittedPurpose, readableCategories } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { AccessRecorder } from '../../access-log/access-recorder';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { SubjectCommandsService } from '../../subjects/subject-commands.service';
import { COMPLIANCE_AUDIT_LEGAL_BASIS, COMPLIANCE_AUDIT_PURPOSE_ID, RevealReason } from './compliance-audit';
import { auditAccess, historyAccess, maskForAudit, maskHistory } from './history-masking';
import { subjectMerged } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { HistoryEntry, subjectHistory } from './subject-history';

export class SubjectHistory {
  constructor(
    readonly subjectId: string,
    readonly purposeId: string,
    readonly reveal: Category[],
    readonly context: RequestContext,
    /** Required with `reveal` under the compliance-audit purpose. */
    readonly revealReason?: RevealReason,
  ) {}
}

/**
 * A subject's field-level history from its own stream, values opened while their keys exist.
 *
 * Under COMPLIANCE_AUDIT_PURPOSE_ID (PIPL Art. 54, legal obligation): the whole history, also of
 * a restricted or erased subject, every value masked unless its category is revealed with a
 * reason, the read recorded under that purpose and basis. Under any registry purpose: the rules
 * of the profile read (403 processing-restricted or no-legal-basis, 410 once erased), and only
 * the categories that purpose may read.
 */
@QueryHandler(SubjectHistory)
export class SubjectHistoryHandler implements IQueryHandler<SubjectHistory> {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
    private readonly access: AccessRecorder,
  ) {}

  async execute({ subjectId, purposeId, reveal, revealReason, context }: SubjectHistory): Promise<HistoryEntry[]> {
    const audit = purposeId === COMPLIANCE_AUDIT_PURPOSE_ID;
    const registry = await this.registry.current();
    if (!audit) admittedPurpose(registry, purposeId);
    const { state, events } = await this.subjects.load(subjectId);
    if (state.status === 'absent') throw new DomainError('subject-not-found', 'no such subject');
    if (state.status === 'merged') throw subjectMerged(subjectId, state.mergedInto);
    let readable: ReadonlySet<string> | undefined;
    if (!audit) {
      if (state.status === 'erased') throw new DomainError('subject-erased', 'this subject’s data was erased', { subjectId });
      readable = new Set(readableCategories(registry, state, purposeId, Object.keys(state.held) as Category[]));
    }
    const opened = subjectHistory(await this.subjects.openEvents(events));
    const within = readable ? opened.filter((entry) => entry.category === null || readable.has(entry.category)) : opened;
    const entries = audit ? maskForAudit(within, reveal) : maskHistory(within, reveal);
    const shown = audit ? auditAccess(entries, reveal) : historyAccess(entries, reveal);
    await this.access.record(context, [
      { subjectId, purposeId, ...shown, via: 'history', ...(audit ? { legalBasis: COMPLIANCE_AUDIT_LEGAL_BASIS, ...(revealReason ? { revealReason } : {}) } : {}) },
    ]);
    return entries;
  }
}
