import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { RetainedCategory, subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import {
  decideLegalHold,
  evolveLegalHolds,
  holdAppliesTo,
  holdInForce,
  initialLegalHolds,
  LegalHoldCommand,
  LegalHoldRecord,
  LegalHoldState,
  retainedCategories,
} from '@pi-ledger/ledger-domain/legal-hold/legal-hold.decider';
import { LEGAL_HOLDS_STREAM, LegalHoldEvent } from '@pi-ledger/ledger-domain/legal-hold/legal-hold.events';
import { RequestContext, withMetadata } from '../../application/request-context';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';

const HOLDS_FOLD: StreamFold<LegalHoldState, LegalHoldEvent> = { initialState: initialLegalHolds, evolve: evolveLegalHolds };

export interface LegalHoldView {
  holdId: string;
  /** Absent: the hold applies to every subject. */
  subjectId?: string;
  categories: Category[];
  basis: string;
  until: string;
  status: 'active' | 'expired' | 'released';
  placedAt: string;
  releasedAt?: string;
}

export interface PlaceLegalHoldInput {
  subjectId?: string;
  categories: Category[];
  basis: string;
  until: string;
}

/**
 * Legal holds, folded from the stream `legal-holds` (few events: a CachedStreamFold per instance, as
 * the registry is).
 */
@Injectable()
export class LegalHoldsService {
  private readonly folded: CachedStreamFold<LegalHoldState, LegalHoldEvent>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    this.folded = new CachedStreamFold(store, LEGAL_HOLDS_STREAM, HOLDS_FOLD);
  }

  async place(input: PlaceLegalHoldInput, context: RequestContext): Promise<LegalHoldView & { position: number }> {
    if (input.subjectId !== undefined && (await this.store.streamVersion(subjectStream(input.subjectId))) === 0) {
      throw new DomainError('subject-not-found', 'no such subject');
    }
    const holdId = uuidv7();
    const position = await this.execute({ type: 'PlaceLegalHold', hold: { holdId, ...input }, now: this.clock().toISOString() }, context);
    return { ...view((await this.current()).holds[holdId], this.clock()), position };
  }

  async release(holdId: string, context: RequestContext): Promise<LegalHoldView & { position: number }> {
    const position = await this.execute({ type: 'ReleaseLegalHold', holdId, now: this.clock().toISOString() }, context);
    return { ...view((await this.current()).holds[holdId], this.clock()), position };
  }

  /** Every hold, or those that apply to `subjectId` (its own and those on everyone); newest first. */
  async list(subjectId?: string): Promise<LegalHoldView[]> {
    const { holds } = await this.current();
    const now = this.clock();
    return Object.values(holds)
      .filter((hold) => subjectId === undefined || holdAppliesTo(hold, subjectId))
      .sort((a, b) => b.placedAt.localeCompare(a.placedAt) || b.holdId.localeCompare(a.holdId))
      .map((hold) => view(hold, now));
  }

  /** What holds in force at `now` keep of this subject, one entry per category. */
  async retainedFor(subjectId: string, now: Date): Promise<RetainedCategory[]> {
    return retainedCategories(await this.current(), subjectId, now.toISOString());
  }

  private async execute(command: LegalHoldCommand, context: RequestContext): Promise<number> {
    const { position } = await handleCommand(this.store, LEGAL_HOLDS_STREAM, HOLDS_FOLD, ({ state }) => decideLegalHold(command, state), {
      prepare: withMetadata(context),
    });
    return position;
  }

  private current(): Promise<LegalHoldState> {
    return this.folded.current();
  }
}

function view(hold: LegalHoldRecord, now: Date): LegalHoldView {
  const { holdId, subjectId, categories, basis, until, placedAt, releasedAt } = hold;
  const status = hold.status === 'released' ? 'released' : holdInForce(hold, now.toISOString()) ? 'active' : 'expired';
  return { holdId, ...(subjectId ? { subjectId } : {}), categories, basis, until, status, placedAt, ...(releasedAt ? { releasedAt } : {}) };
}
