import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import {
  COMPLAINT_DEADLINE_POLICY_STREAM,
  ComplaintDeadlinePolicy,
  ComplaintDeadlinePolicySet,
  decideComplaintDeadlines,
  evolveComplaintDeadlines,
  initialComplaintDeadlines,
} from '@pi-ledger/ledger-domain/complaints/complaint-deadline-policy';
import { RequestContext, withMetadata } from '../application/request-context';

const POLICY_FOLD: StreamFold<ComplaintDeadlinePolicy, ComplaintDeadlinePolicySet> = { initialState: initialComplaintDeadlines, evolve: evolveComplaintDeadlines };

/** The complaint deadline policy, folded in memory and kept in step with its stream like the abnormal-result rule. */
@Injectable()
export class ComplaintDeadlinesService {
  private readonly folded: CachedStreamFold<ComplaintDeadlinePolicy, ComplaintDeadlinePolicySet>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    this.folded = new CachedStreamFold(store, COMPLAINT_DEADLINE_POLICY_STREAM, POLICY_FOLD);
  }

  current(): Promise<ComplaintDeadlinePolicy> {
    return this.folded.current();
  }

  async set(policy: ComplaintDeadlinePolicy, context: RequestContext): Promise<ComplaintDeadlinePolicy> {
    const now = this.clock().toISOString();
    const handled = await handleCommand(this.store, COMPLAINT_DEADLINE_POLICY_STREAM, POLICY_FOLD, ({ state }) => decideComplaintDeadlines({ ...policy, now }, state), {
      prepare: withMetadata(context),
    });
    return handled.state;
  }
}
