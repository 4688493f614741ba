import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { assertMaySeeSubject } from '@pi-ledger/access-control/subject-scope';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { readableCategories } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { RequestContext } from '../../http/request-context';
import { RegistryService } from '../../registry/registry.service';
import { SubjectCommandsService } from '../subject-commands.service';
import { foldProfile } from '../subject-profile';
import { maskProfile } from './masking';

export class ReadSubject {
  constructor(
    readonly subjectId: string,
    /** Required for staff; a data subject reads its own record without one. */
    readonly purposeId: string | undefined,
    readonly reveal: Category[],
    readonly context: RequestContext,
  ) {}
}

/** Folds the subject's stream (until read models exist), decrypts, filters by purpose, masks. */
@QueryHandler(ReadSubject)
export class ReadSubjectHandler implements IQueryHandler<ReadSubject> {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
  ) {}

  async execute({ subjectId, purposeId, reveal, context }: ReadSubject) {
    assertMaySeeSubject(context.actor, subjectId);
    const { state, events } = await this.subjects.load(subjectId);
    if (state.status === 'absent') throw new DomainError('subject-not-found', 'no such subject');
    if (state.status === 'erased') throw new DomainError('subject-erased', 'this subject’s data was erased', { subjectId });
    const profile = foldProfile(await this.subjects.openEvents(events))!;
    const held = Object.keys(profile.data) as Category[];
    const visible = purposeId === undefined ? held : readableCategories(await this.registry.current(), state, purposeId, held);
    const data = Object.fromEntries(visible.map((category) => [category, profile.data[category]]));
    const consents = profile.consents.map(({ guardian: _g, channel: _c, ...consent }) => consent);
    return maskProfile({ subjectId, version: profile.version, status: profile.status, createdAt: profile.createdAt, updatedAt: profile.updatedAt, data, consents }, reveal);
  }
}
