import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import {
  decideEscalationPolicy,
  ESCALATION_POLICY_STREAM,
  EscalationPolicy,
  EscalationPolicySet,
  evolveEscalationPolicy,
  initialEscalationPolicy,
} from '@pi-ledger/ledger-domain/follow-ups/escalation-policy';
import { RequestContext } from '../application/request-context';
import { FoldedSetting } from './folded-setting';

/** The escalation policy of overdue follow-up tasks (stream `follow-up-escalation-policy`). */
@Injectable()
export class EscalationPolicyService {
  private readonly setting: FoldedSetting<EscalationPolicy, EscalationPolicySet>;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(LEDGER_CLOCK) clock: LedgerClock) {
    this.setting = new FoldedSetting(store, clock, ESCALATION_POLICY_STREAM, { initialState: initialEscalationPolicy, evolve: evolveEscalationPolicy });
  }

  current(): Promise<EscalationPolicy> {
    return this.setting.current();
  }

  /** One event with the admin as actor, none when unchanged. */
  async set(policy: EscalationPolicy, context: RequestContext): Promise<EscalationPolicy & { version: number; position: number }> {
    const { state, version, position } = await this.setting.change((current, now) => decideEscalationPolicy({ ...policy, now }, current), context);
    return { ...state, version, position };
  }
}
