import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import {
  AbnormalResultRule,
  AbnormalResultRuleSet,
  decideAbnormalResultRule,
  evolveAbnormalResultRule,
  FOLLOW_UP_RULES_STREAM,
  initialAbnormalResultRule,
} from '@pi-ledger/ledger-domain/follow-ups/abnormal-result-rule';
import { RequestContext, withMetadata } from '../application/request-context';

const RULES_FOLD: StreamFold<AbnormalResultRule, AbnormalResultRuleSet> = { initialState: initialAbnormalResultRule, evolve: evolveAbnormalResultRule };

/** The abnormal-result rule, folded in memory and kept in step with its stream like the access matrix. */
@Injectable()
export class FollowUpRulesService {
  private readonly folded: CachedStreamFold<AbnormalResultRule, AbnormalResultRuleSet>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    this.folded = new CachedStreamFold(store, FOLLOW_UP_RULES_STREAM, RULES_FOLD);
  }

  current(): Promise<AbnormalResultRule> {
    return this.folded.current();
  }

  async set(rule: AbnormalResultRule, context: RequestContext): Promise<AbnormalResultRule> {
    const now = this.clock().toISOString();
    const handled = await handleCommand(this.store, FOLLOW_UP_RULES_STREAM, RULES_FOLD, ({ state }) => decideAbnormalResultRule({ ...rule, now }, state), {
      prepare: withMetadata(context),
    });
    return handled.state;
  }
}
