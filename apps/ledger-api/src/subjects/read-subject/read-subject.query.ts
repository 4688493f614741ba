import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { assertMaySeeSubject } from '@pi-ledger/access-control/subject-scope';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { readableCategories } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { subjectMerged } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { heldCategories, processingContext } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.document';
import { SealedProfile, SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { AccessRecorder } from '../../access-log/access-recorder';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { permittedCategories } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { maskProfile, revealedFields } from './masking';
import { accessToCustomer } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { BreakGlassRecorder } from '../../compliance/break-glass/break-glass.recorder';
import { CustomerNumberQueries } from '@pi-ledger/read-models/projections/customer-numbers/customer-numbers.projection';

export class ReadSubject {
  constructor(
    readonly subjectId: string,
    /** Required for staff; a data subject reads its own record without one. */
    readonly purposeId: string | undefined,
    readonly reveal: Category[],
    readonly context: RequestContext,
  ) {}
}

/**
 * Reads the subject_profile read model, filters it by purpose (the same rules as writes), masks it,
 * and records the read before answering.
 */
@QueryHandler(ReadSubject)
export class ReadSubjectHandler implements IQueryHandler<ReadSubject> {
  constructor(
    private readonly profiles: SubjectProfileQueries,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly registry: RegistryService,
    private readonly access: AccessRecorder,
    private readonly freshness: ProjectionFreshness,
    private readonly matrix: AccessMatrixService,
    private readonly breakGlass: BreakGlassRecorder,
    private readonly numbers: CustomerNumberQueries,
  ) {}

  async execute({ subjectId, purposeId, reveal, context }: ReadSubject) {
    assertMaySeeSubject(context.actor, subjectId);
    const profile = await this.current(subjectId);
    if (!profile) throw new DomainError('subject-not-found', 'no such subject');
    if (profile.status === 'erased') throw new DomainError('subject-erased', 'this subject’s data was erased', { subjectId });
    const reach = accessToCustomer(context.actor, subjectId, profile.assignment, context.breakGlass);
    const held = heldCategories(profile);
    const lawful = purposeId === undefined ? held : readableCategories(await this.registry.current(), processingContext(profile), purposeId, held);
    // and only what the caller's roles may read (the category permission matrix, union over the roles)
    const permitted = permittedCategories(await this.matrix.current(), context.actor.roles, 'read');
    const visible = lawful.filter((category) => permitted.includes(category));
    const opened = await this.profiles.open(profile, visible);
    const data = Object.fromEntries(visible.map((category) => [category, opened[category] ?? {}]));
    const consents = profile.consents.map(({ guardian: _guardian, channel: _channel, ...consent }) => consent);
    const { version, status, createdAt, updatedAt, assignment, lifecycle } = profile;
    const customerNumber = (await this.numbers.numberOf(subjectId)) ?? null;
    const body = { customerNumber, ...maskProfile({ subjectId, version, status, createdAt, updatedAt, assignment, lifecycle, data, consents }, reveal) };
    const breakGlass = reach === 'break-glass' ? context.breakGlass?.reason : undefined;
    if (breakGlass) await this.breakGlass.record(context, subjectId, assignment, 'read');
    await this.access.record(context, [
      { subjectId, purposeId: purposeId ?? null, categories: visible, revealed: revealedFields(data, reveal), via: 'profile', ...(breakGlass ? { breakGlass } : {}) },
    ]);
    return body;
  }

  /**
   * The profile, at least as fresh as the subject's stream: whoever just wrote to a subject reads
   * the write back (and its ETag) without X-Ledger-Min-Position. When the row is behind the
   * stream's last event, waits for the projection's checkpoint to pass that event (not for the row's
   * version: the last event may be of a type the projection skips). A row behind its stream may
   * also be a quarantined one's: then 503 projection-quarantined.
   */
  private async current(subjectId: string): Promise<SealedProfile | undefined> {
    const stream = subjectStream(subjectId);
    const [last] = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    // a merged file is closed by its pointer: the answer names the survivor
    if (last?.type === 'SubjectMergedInto') throw subjectMerged(subjectId, (last.data as { survivorId: string }).survivorId);
    const profile = await this.profiles.findSealed(subjectId);
    if (!last || (profile?.version ?? 0) >= last.streamVersion) return profile;
    // a quarantined subject has no row (the projection forgets it): 503 projection-quarantined, not 404
    await this.freshness.assertNotQuarantined('subject_profile', stream);
    await this.freshness.waitForCheckpoint(['subject_profile'], last.checkpoint, undefined, `version ${last.streamVersion} of this subject`);
    const current = await this.profiles.findSealed(subjectId);
    if ((current?.version ?? 0) < last.streamVersion) await this.freshness.assertNotQuarantined('subject_profile', stream);
    return current;
  }
}
