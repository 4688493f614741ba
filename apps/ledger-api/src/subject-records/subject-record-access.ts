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
import { subjectMerged } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { BreakGlassRecorder } from '../compliance/break-glass/break-glass.recorder';

type Live = Extract<SubjectState, { status: 'active' | 'restricted' }>;

/** A read that passed: the purpose it is recorded under, and the break-glass reason when it reached outside the caller's assignment. */
export interface RecordsRead {
  purposeId: string | null;
  breakGlass?: BreakGlassReason;
}

/** How a read of records showed up in the access log. */
export type RecordsVia = 'checkups' | 'service-records' | 'follow-ups' | 'orders' | 'timeline' | 'complaints' | 'messages' | 'surveys';

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

  /**
   * A change that records no value of the customer's (a complaint's assignment or start, pausing or
   * ending a follow-up plan): the customer live and within reach, and with `category`, the roles to
   * write it; no purpose, so that work can be assigned or stopped even once the customer withdrew the
   * consent it was done under.
   */
  async authorizeChange(subjectId: string, context: RequestContext, category?: Category): Promise<void> {
    if (category) assertMayWrite(await this.matrix.current(), context.actor.roles, [category]);
    await this.reach(subjectId, context, await this.live(subjectId), 'write');
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
    const { purposeId, breakGlass } = await this.authorizeReadOf(subjectId, context, purposeHeader, [category], 'refuse');
    return { purposeId, ...(breakGlass ? { breakGlass } : {}) };
  }

  /**
   * Of `categories`, those the caller may read of this subject: the ones its roles may read (the
   * matrix) that have a legal basis under the purpose. The others are left out, not refused (a view
   * across kinds of records: the timeline); the read is still refused as a read of the file would be
   * (no purpose, out of reach, restricted, no basis for any category the roles may read).
   */
  async authorizeReadSome(subjectId: string, context: RequestContext, purposeHeader: string | undefined, categories: readonly Category[]) {
    return this.authorizeReadOf(subjectId, context, purposeHeader, categories, 'leave-out');
  }

  private async authorizeReadOf(
    subjectId: string,
    context: RequestContext,
    purposeHeader: string | undefined,
    wanted: readonly Category[],
    unpermitted: 'refuse' | 'leave-out',
  ): Promise<RecordsRead & { categories: Category[] }> {
    const purposeId = purposeOfReading(context, subjectId, purposeHeader);
    const live = await this.live(subjectId);
    const own = context.actor.roles.includes('data_subject') && context.actor.subjectId === subjectId;
    const mayRead = own ? wanted : permittedCategories(await this.matrix.current(), context.actor.roles, 'read');
    const byRole = wanted.filter((category) => mayRead.includes(category));
    if (byRole.length < wanted.length && unpermitted === 'refuse') {
      const [category] = wanted.filter((name) => !byRole.includes(name));
      throw new DomainError('category-not-permitted', `your roles may not read ${category}`, { category });
    }
    const breakGlass = await this.reach(subjectId, context, live, 'read');
    const categories = purposeId === undefined || byRole.length === 0 ? byRole : readableCategories(await this.registry.current(), live, purposeId, byRole);
    return { purposeId: purposeId ?? null, ...(breakGlass ? { breakGlass } : {}), categories };
  }

  recordRead(context: RequestContext, subjectIds: readonly string[], read: RecordsRead, category: Category | readonly Category[], via: RecordsVia): Promise<void> {
    const { purposeId, breakGlass } = read;
    const categories = typeof category === 'string' ? [category] : [...category];
    return this.access.record(
      context,
      [...new Set(subjectIds)].map((subjectId) => ({ subjectId, purposeId, categories, revealed: [], via, ...(breakGlass ? { breakGlass } : {}) })),
    );
  }

  private async live(subjectId: string): Promise<Live> {
    const { state } = await this.subjects.load(subjectId);
    if (state.status === 'absent') throw new DomainError('subject-not-found', 'no such subject');
    if (state.status === 'erased') throw new DomainError('subject-erased', 'this subject’s data was erased', { subjectId });
    if (state.status === 'merged') throw subjectMerged(subjectId, state.mergedInto);
    return state;
  }
}

/**
 * The `prepare` of a record's command: its PI sealed by the type's declaration, its metadata naming
 * the purpose and basis it was written under (none for a change that records no value of the
 * customer's, such as a reassignment or an escalation).
 */
export function sealedUnder<E extends SubjectScopedEvent>(codec: DeclaredEventCodec<E>, context: RequestContext, purpose: Purpose | undefined) {
  const metadata = eventMetadata(context, purpose && { id: purpose.id, legalBasis: purpose.legalBasis });
  return async (events: readonly E[]) => ({ events: (await codec.sealAll(events)).map((event) => ({ ...event, metadata })) });
}
