import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { assertMaySeeSubject } from '@pi-ledger/access-control/subject-scope';
import type { Actor } from '@pi-ledger/access-control/actor';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { readableCategories } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { evolveProfile, heldCategories, processingContext, SubjectProfileDocument } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.document';
import { AccessRecorder } from '../../access-log/access-recorder';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { permittedCategories } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { maskProfile, revealedFields } from '../../subjects/read-subject/masking';
import { SubjectCommandsService } from '../../subjects/subject-commands.service';

export class ReadSubjectAsOf {
  constructor(
    readonly subjectId: string,
    readonly purposeId: string | undefined,
    readonly reveal: Category[],
    readonly asOf: Date,
    readonly context: RequestContext,
  ) {}
}

/**
 * `GET /v1/subjects/{id}?asOf=`: the subject as it stood at a time, folded from its log (every event
 * recorded at or before it) with the same fold, purpose rules and masks as the current read — the
 * purpose checked against the consents and restrictions in force then. Values whose keys were
 * destroyed since read "[erased]". A history read: compliance officers, and a subject its own.
 */
@QueryHandler(ReadSubjectAsOf)
export class ReadSubjectAsOfHandler implements IQueryHandler<ReadSubjectAsOf> {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
    private readonly access: AccessRecorder,
    private readonly matrix: AccessMatrixService,
  ) {}

  async execute({ subjectId, purposeId, reveal, asOf: at, context }: ReadSubjectAsOf) {
    assertMaySeeSubject(context.actor, subjectId);
    assertMayReadPastStates(context.actor);
    const profile = await this.profileAt(subjectId, at);
    if (profile.status === 'erased') throw new DomainError('subject-erased', 'this subject’s data was erased by that time', { subjectId });
    const held = heldCategories(profile);
    const lawful = purposeId === undefined ? held : readableCategories(await this.registry.current(), processingContext(profile), purposeId, held);
    const permitted = permittedCategories(await this.matrix.current(), context.actor.roles, 'read');
    const visible = lawful.filter((category) => permitted.includes(category));
    const data = Object.fromEntries(visible.map((category) => [category, profile.data[category] ?? {}]));
    const consents = profile.consents.map(({ guardian: _guardian, channel: _channel, ...consent }) => consent);
    const { version, status, createdAt, updatedAt } = profile;
    const body = maskProfile({ subjectId, version, status, createdAt, updatedAt, asOf: at.toISOString(), data, consents }, reveal);
    await this.access.record(context, [{ subjectId, purposeId: purposeId ?? null, categories: visible, revealed: revealedFields(data, reveal), via: 'profile' }]);
    return body;
  }

  /** The fold of the stream's longest prefix recorded at or before `at`. */
  private async profileAt(subjectId: string, at: Date): Promise<SubjectProfileDocument> {
    const { events } = await this.subjects.load(subjectId);
    if (events.length === 0) throw new DomainError('subject-not-found', 'no such subject');
    const until = events.findIndex((event) => event.recordedAt.getTime() > at.getTime());
    const prefix = until === -1 ? events : events.slice(0, until);
    let profile: SubjectProfileDocument | null = null;
    for (const { recorded, event } of await this.subjects.openEvents(prefix)) {
      profile = evolveProfile(profile, event, recorded.streamVersion);
    }
    if (!profile) throw new DomainError('subject-not-found', `the subject was not registered yet at ${at.toISOString()}`);
    return profile;
  }
}

/**
 * Staff read the present only: a past state would show data under consents withdrawn since
 * (PIPL Art. 15), which the current read refuses.
 */
function assertMayReadPastStates(actor: Actor): void {
  if (!actor.roles.includes('compliance_officer') && !actor.roles.includes('data_subject')) {
    throw new DomainError('forbidden', 'reading a subject as of an earlier time is a history read: compliance officers only, or the subject itself');
  }
}
