import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { DomainError, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { admittedPurpose, readableCategories } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { permittedCategories } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { reachOf, withinReach } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import {
  decideDuplicatePair,
  DuplicatePairErrorCode,
  DuplicatePairEvent,
  DuplicatePairState,
  duplicatePairStream,
  evolveDuplicatePair,
  initialDuplicatePair,
  pairOf,
} from '@pi-ledger/ledger-domain/duplicates/duplicate-pair';
import { cursorKey, encodeCursor } from '@pi-ledger/read-models/projections/keyset-cursor';
import { processingContext } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.document';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { CustomerNumberQueries } from '@pi-ledger/read-models/projections/customer-numbers/customer-numbers.projection';
import { DuplicateCandidateQueries, DuplicatePairRow } from '@pi-ledger/read-models/projections/duplicates/duplicate-candidates.queries';
import type { MatchReason } from '@pi-ledger/read-models/projections/duplicates/match-keys';
import { RequestContext, withMetadata } from '../application/request-context';
import { AccessRead, AccessRecorder } from '../access-log/access-recorder';
import { RegistryService } from '../registry/registry.service';
import { AccessMatrixService } from '../access-matrix/access-matrix.service';
import { DUPLICATES_DEFAULT_LIMIT, ListDuplicatesDto } from './duplicates.dto';
import { DuplicateSubjectSummary, maskedValues, REASON_CATEGORIES } from './duplicate-summary';

export interface DuplicatePairItem {
  subjectIds: [string, string];
  reasons: MatchReason[];
  /** 0–100. */
  score: number;
  subjects: [DuplicateSubjectSummary, DuplicateSubjectSummary];
}

const PAIR_FOLD: StreamFold<DuplicatePairState, DuplicatePairEvent> = { initialState: initialDuplicatePair, evolve: evolveDuplicatePair };
/** Pages of pairs are read until one is full; this caps the reads behind one response. */
const MAX_READS = 10;
/** What a summary can show; other categories are never opened here. */
const SUMMARY_CATEGORIES: readonly Category[] = ['identity', 'contact', 'identity_document'];

/**
 * Duplicate candidates across the ledger (issue #15, item 2): the pairs the duplicate-candidates
 * read model proposes, shown as search shows customers (a purpose, the caller's reach and category
 * permissions, masked values, one access record per customer shown), and their dismissal.
 */
@Injectable()
export class DuplicatesService {
  constructor(
    private readonly pairs: DuplicateCandidateQueries,
    private readonly profiles: SubjectProfileQueries,
    private readonly numbers: CustomerNumberQueries,
    private readonly registry: RegistryService,
    private readonly matrix: AccessMatrixService,
    private readonly access: AccessRecorder,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {}

  async list(purposeId: string, filters: ListDuplicatesDto, context: RequestContext): Promise<{ items: DuplicatePairItem[]; nextCursor: string | null }> {
    const registry = await this.registry.current();
    admittedPurpose(registry, purposeId);
    const reach = reachOf(context.actor);
    const permitted = permittedCategories(await this.matrix.current(), context.actor.roles, 'read');
    const limit = filters.limit ?? DUPLICATES_DEFAULT_LIMIT;
    let after = afterOf(filters.cursor);
    const items: DuplicatePairItem[] = [];
    const shown = new Map<string, Set<Category>>();
    const summaries = new Map<string, Promise<Shown | undefined>>();
    const summary = (subjectId: string) => {
      if (!summaries.has(subjectId)) summaries.set(subjectId, this.summary(registry, purposeId, subjectId, permitted));
      return summaries.get(subjectId)!;
    };
    let more = false;
    for (let read = 0; read < MAX_READS && items.length < limit; read++) {
      const want = limit - items.length;
      const rows = await this.pairs.page({
        ...(reach.kind === 'assigned' ? { reach } : {}),
        ...(filters.reason ? { reason: filters.reason } : {}),
        ...(filters.subjectId ? { subjectId: filters.subjectId.toLowerCase() } : {}),
        ...(after ? { after } : {}),
        limit: want + 1,
      });
      more = false;
      for (const [index, row] of rows.entries()) {
        if (items.length === limit) break;
        after = { score: row.score, a: row.subjectIds[0], b: row.subjectIds[1] };
        more = index < rows.length - 1 || rows.length > want;
        const item = await this.item(row, summary);
        if (!item) continue;
        items.push(item.pair);
        for (const [subjectId, categories] of item.read) shown.set(subjectId, new Set([...(shown.get(subjectId) ?? []), ...categories]));
      }
      if (rows.length <= want) break;
    }
    const reads: AccessRead[] = [...shown].map(([subjectId, categories]) => ({ subjectId, purposeId, categories: [...categories], revealed: [], via: 'duplicates' }));
    await this.access.record(context, reads);
    const numbers = await this.numbers.numbersOf([...shown.keys()]);
    for (const item of items) for (const subject of item.subjects) subject.customerNumber = numbers.get(subject.subjectId) ?? null;
    return { items, nextCursor: more && after ? encodeCursor([String(after.score), after.a, after.b]) : null };
  }

  /** "Not the same person": the pair is never proposed again (DuplicatePairDismissed, with the actor in its metadata). */
  async dismiss(first: string, second: string, context: RequestContext): Promise<{ subjectIds: [string, string]; version: number; position: number }> {
    if (first === second) throw new InvalidInput([{ path: 'params.b', message: 'must be another customer than params.a' }]);
    const subjectIds = pairOf(first, second);
    const notFound = () => new DomainError<DuplicatePairErrorCode>('duplicate-pair-not-found', 'no such duplicate candidate pair', { subjectIds });
    // outside the caller's reach, a pair does not exist for it: the same 404 as an unknown one
    const reach = reachOf(context.actor);
    for (const subjectId of subjectIds) {
      const profile = await this.profiles.findSealed(subjectId);
      if (!profile || profile.status === 'erased' || !withinReach(reach, profile.assignment)) throw notFound();
    }
    const stream = duplicatePairStream(...subjectIds);
    if (!(await this.pairs.pair(...subjectIds)) && (await this.store.streamVersion(stream)) === 0) throw notFound();
    const now = this.clock().toISOString();
    const result = await handleCommand(
      this.store,
      stream,
      PAIR_FOLD,
      ({ state }) => decideDuplicatePair({ type: 'DismissDuplicatePair', subjectIds, actor: context.actor.id, now }, state),
      {
        prepare: withMetadata(context),
      },
    );
    return { subjectIds, version: result.version, position: result.position };
  }

  /** The pair with both customers summarised, or nothing when either cannot be shown (no basis, or a reason's category not readable). */
  private async item(
    row: DuplicatePairRow,
    summary: (subjectId: string) => Promise<Shown | undefined>,
  ): Promise<{ pair: DuplicatePairItem; read: Array<[string, Category[]]> } | undefined> {
    const needed = [...new Set(row.reasons.map((reason) => REASON_CATEGORIES[reason]))];
    const [a, b] = await Promise.all(row.subjectIds.map(summary));
    if (!a || !b || !needed.every((category) => a.visible.includes(category) && b.visible.includes(category))) return undefined;
    return {
      pair: { subjectIds: row.subjectIds, reasons: row.reasons, score: row.score, subjects: [{ ...a.summary }, { ...b.summary }] },
      read: [
        [a.summary.subjectId, [...new Set([...a.shown, ...needed])]],
        [b.summary.subjectId, [...new Set([...b.shown, ...needed])]],
      ],
    };
  }

  private async summary(registry: RegistryState, purposeId: string, subjectId: string, permitted: Category[]): Promise<Shown | undefined> {
    const profile = await this.profiles.findSealed(subjectId);
    if (!profile || profile.status === 'erased') return undefined;
    let visible: Category[];
    try {
      // what the purpose may read of this customer, and of that only what the caller's roles may read
      visible = readableCategories(registry, processingContext(profile), purposeId, Object.keys(profile.stored) as Category[]).filter((category) => permitted.includes(category));
    } catch (error) {
      if (error instanceof DomainError) return undefined;
      throw error;
    }
    const { values, shown } = maskedValues(
      await this.profiles.open(
        profile,
        SUMMARY_CATEGORIES.filter((category) => visible.includes(category)),
      ),
    );
    return { visible, shown, summary: { subjectId, customerNumber: null, status: profile.status, assignment: profile.assignment, ...values } };
  }
}

interface Shown {
  visible: Category[];
  shown: Category[];
  summary: DuplicateSubjectSummary;
}

function afterOf(cursor: string | undefined): { score: number; a: string; b: string } | undefined {
  const key = cursorKey(cursor, 3);
  if (!key) return undefined;
  if (!/^\d{1,3}$/.test(key[0])) throw new InvalidInput([{ path: 'query.cursor', message: 'not a cursor this endpoint returned' }]);
  return { score: Number(key[0]), a: key[1], b: key[2] };
}
