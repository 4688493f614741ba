import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import {
  AbnormalResultRule,
  AbnormalResultRuleSet,
  decideAbnormalResultRule,
  evolveAbnormalResultRule,
  FOLLOW_UP_RULES_STREAM,
  initialAbnormalResultRule,
} from '@pi-ledger/ledger-domain/follow-ups/abnormal-result-rule';
import { RequestContext } from '../application/request-context';
import { FoldedSetting } from './folded-setting';

/** The abnormal-result rule (stream `follow-up-rules`), folded in memory and kept in step with its stream like the access matrix. */
@Injectable()
export class FollowUpRulesService {
  private readonly setting: FoldedSetting<AbnormalResultRule, AbnormalResultRuleSet>;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(LEDGER_CLOCK) clock: LedgerClock) {
    this.setting = new FoldedSetting(store, clock, FOLLOW_UP_RULES_STREAM, { initialState: initialAbnormalResultRule, evolve: evolveAbnormalResultRule });
  }

  current(): Promise<AbnormalResultRule> {
    return this.setting.current();
  }

  async set(rule: AbnormalResultRule, context: RequestContext): Promise<AbnormalResultRule> {
    return (await this.setting.change((state, now) => decideAbnormalResultRule({ ...rule, now }, state), context)).state;
  }
}
