import { Injectable } from '@nestjs/common';
import { assertMayWrite, permittedCategories } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { Purpose } from '@pi-ledger/ledger-domain/registry/registry.events';
import { assertMayProcess, readableCategories } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { SubjectState } from '@pi-ledger/ledger-domain/subject/subject.state';
import { AccessMatrixService } from '../access-matrix/access-matrix.service';
import { AccessRecorder } from '../access-log/access-recorder';
import { DeclaredEventCodec, SubjectScopedEvent } from '@pi-ledger/pii-vault/declared-event-codec';
import { eventMetadata, RequestContext } from '../application/request-context';
import { purposeOfReading } from '../http/processing-purpose';
import { RegistryService } from '../registry/registry.service';
import { SubjectCommandsService } from '../subjects/subject-commands.service';

type Live = Extract<SubjectState, { status: 'active' | 'restricted' }>;

/** How a read of records showed up in the access log. */
export type RecordsVia = 'checkups' | 'service-records' | 'follow-ups';

/**
 * The rules a customer's records (check-ups, service records, follow-up tasks) obey, the same as
 * the customer file's own: a write needs the caller's roles to write the record's category (the
 * access matrix) and the purpose to cover it for this subject (registry, consents, restrictions,
 * a child's guardian); a read needs a purpose (or the subject's own token), a legal basis for the
 * category under it and the roles to read it, and is recorded before the answer leaves.
 */
@Injectable()
export class SubjectRecordAccess {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
    private readonly matrix: AccessMatrixService,
    private readonly access: AccessRecorder,
  ) {}

  /** The purpose (and so the legal basis) a write of `category` records under, after every rule passed. */
  async authorizeWrite(subjectId: string, context: RequestContext, purposeId: string, category: Category): Promise<Purpose> {
    assertMayWrite(await this.matrix.current(), context.actor.roles, [category]);
    const live = await this.live(subjectId);
    return assertMayProcess(await this.registry.current(), live, purposeId, [category]);
  }

  /**
   * Checks a read of `category` records of a subject and returns how to record it once the records
   * are in hand (`recordRead`): a read that finds nothing still reads the subject's file.
   */
  async authorizeRead(subjectId: string, context: RequestContext, purposeHeader: string | undefined, category: Category): Promise<{ purposeId: string | null }> {
    const purposeId = purposeOfReading(context, subjectId, purposeHeader);
    const live = await this.live(subjectId);
    if (purposeId !== undefined) readableCategories(await this.registry.current(), live, purposeId, [category]);
    const own = context.actor.roles.includes('data_subject') && context.actor.subjectId === subjectId;
    if (!own && !permittedCategories(await this.matrix.current(), context.actor.roles, 'read').includes(category)) {
      throw new DomainError('category-not-permitted', `your roles may not read ${category}`, { category });
    }
    return { purposeId: purposeId ?? null };
  }

  recordRead(context: RequestContext, subjectIds: readonly string[], purposeId: string | null, category: Category, via: RecordsVia): Promise<void> {
    return this.access.record(
      context,
      [...new Set(subjectIds)].map((subjectId) => ({ subjectId, purposeId, categories: [category], revealed: [], via })),
    );
  }

  private async live(subjectId: string): Promise<Live> {
    const { state } = await this.subjects.load(subjectId);
    if (state.status === 'absent') throw new DomainError('subject-not-found', 'no such subject');
    if (state.status === 'erased') throw new DomainError('subject-erased', 'this subject’s data was erased', { subjectId });
    return state;
  }
}

/** The `prepare` of a record's command: its PI sealed by the type's declaration, its metadata naming the purpose and basis it was written under. */
export function sealedUnder<E extends SubjectScopedEvent>(codec: DeclaredEventCodec<E>, context: RequestContext, purpose: Purpose) {
  return async (events: readonly E[]) => ({
    events: (await codec.sealAll(events)).map((event) => ({ ...event, metadata: eventMetadata(context, { id: purpose.id, legalBasis: purpose.legalBasis }) })),
  });
}
