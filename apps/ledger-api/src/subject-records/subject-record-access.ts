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
import { accessToCustomer, BreakGlassReason } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { BreakGlassRecorder } from '../compliance/break-glass/break-glass.recorder';

type Live = Extract<SubjectState, { status: 'active' | 'restricted' }>;

/** A read that passed: the purpose it is recorded under, and the break-glass reason when it reached outside the caller's assignment. */
export interface RecordsRead {
  purposeId: string | null;
  breakGlass?: BreakGlassReason;
}

/** How a read of records showed up in the access log. */
export type RecordsVia = 'checkups' | 'service-records' | 'follow-ups' | 'messages' | 'surveys';

/**
 * The rules a customer's records (check-ups, service records, follow-up tasks) obey, the same as
 * the customer file's own: a write needs the caller's roles to write the record's category (the
 * access matrix) and the purpose to cover it for this subject (registry, consents, restrictions,
 * a child's guardian); a read needs a purpose (or the subject's own token), a legal basis for the
 * category under it and the roles to read it, and is recorded before the answer leaves. Both
 * respect the assignment: a customer outside a health manager's or customer service's reach is 403
 * `outside-assignment`, or break-glass, recorded as for the file itself.
 */
@Injectable()
export class SubjectRecordAccess {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly registry: RegistryService,
    private readonly matrix: AccessMatrixService,
    private readonly access: AccessRecorder,
    private readonly breakGlass: BreakGlassRecorder,
  ) {}

  /** The purpose (and so the legal basis) a write of `category` records under, after every rule passed. */
  async authorizeWrite(subjectId: string, context: RequestContext, purposeId: string, category: Category): Promise<Purpose> {
    assertMayWrite(await this.matrix.current(), context.actor.roles, [category]);
    const live = await this.live(subjectId);
    // reach first: a refusal by consent or restriction must not tell an out-of-scope caller about the customer
    await this.reach(subjectId, context, live, 'write');
    return assertMayProcess(await this.registry.current(), live, purposeId, [category]);
  }

  /** Within the caller's assignment, or break-glass recorded; else 403 outside-assignment (assignment-scope.ts). */
  private async reach(subjectId: string, context: RequestContext, live: Live, access: 'read' | 'write'): Promise<BreakGlassReason | undefined> {
    if (accessToCustomer(context.actor, subjectId, live.assignment, context.breakGlass) === 'within') return undefined;
    await this.breakGlass.record(context, subjectId, live.assignment, access);
    return context.breakGlass?.reason;
  }

  /**
   * Checks a read of `category` records of a subject and returns how to record it once the records
   * are in hand (`recordRead`): a read that finds nothing still reads the subject's file.
   */
  async authorizeRead(subjectId: string, context: RequestContext, purposeHeader: string | undefined, category: Category): Promise<RecordsRead> {
    const purposeId = purposeOfReading(context, subjectId, purposeHeader);
    const live = await this.live(subjectId);
    const own = context.actor.roles.includes('data_subject') && context.actor.subjectId === subjectId;
    if (!own && !permittedCategories(await this.matrix.current(), context.actor.roles, 'read').includes(category)) {
      throw new DomainError('category-not-permitted', `your roles may not read ${category}`, { category });
    }
    const breakGlass = await this.reach(subjectId, context, live, 'read');
    if (purposeId !== undefined) readableCategories(await this.registry.current(), live, purposeId, [category]);
    return { purposeId: purposeId ?? null, ...(breakGlass ? { breakGlass } : {}) };
  }

  recordRead(context: RequestContext, subjectIds: readonly string[], read: RecordsRead, category: Category, via: RecordsVia): Promise<void> {
    const { purposeId, breakGlass } = read;
    return this.access.record(
      context,
      [...new Set(subjectIds)].map((subjectId) => ({ subjectId, purposeId, categories: [category], revealed: [], via, ...(breakGlass ? { breakGlass } : {}) })),
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
