import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { knownPurpose } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { AccessRecorder } from '../../access-log/access-recorder';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { SubjectCommandsService } from '../../subjects/subject-commands.service';
import { historyAccess, maskHistory } from './history-masking';
import { HistoryEntry, subjectHistory } from './subject-history';

export class SubjectHistory {
  constructor(
    readonly subjectId: string,
    readonly purposeId: string,
    readonly reveal: Category[],
    readonly context: RequestContext,
  ) {}
}

/**
 * A subject's field-level history from its own stream, values opened while their keys exist.
 * The purpose is the compliance officer's reason for reading and is recorded; it must be a
 * registered purpose but does not filter the file: an audit sees all of it (PIPL Art. 54).
 */
@QueryHandler(SubjectHistory)
export class SubjectHistoryHandler implements IQueryHandler<SubjectHistory> {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
    private readonly access: AccessRecorder,
  ) {}

  async execute({ subjectId, purposeId, reveal, context }: SubjectHistory): Promise<HistoryEntry[]> {
    knownPurpose(await this.registry.current(), purposeId);
    const { events } = await this.subjects.load(subjectId);
    if (events.length === 0) throw new DomainError('subject-not-found', 'no such subject');
    const entries = maskHistory(subjectHistory(await this.subjects.openEvents(events)), reveal);
    await this.access.record(context, [{ subjectId, purposeId, ...historyAccess(entries, reveal), via: 'profile' }]);
    return entries;
  }
}
