import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, loadStream, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_CONFIG } from '@pi-ledger/platform/config/config.tokens';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { decideRightsRequest, evolveRightsRequest, isOverdue, RightsRequestCommand, RightsRequestState } from '@pi-ledger/ledger-domain/rights-request/rights-request.decider';
import { RightsRequestEvent, rightsRequestStream } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';
import { addWorkingDays, WorkingCalendar } from '@pi-ledger/ledger-domain/rights-request/working-days';
import { RequestContext, withMetadata } from '../../application/request-context';

const REQUEST_FOLD: StreamFold<RightsRequestState, RightsRequestEvent> = { initialState: () => ({ status: 'absent' }), evolve: evolveRightsRequest };

export type LiveRequest = Extract<RightsRequestState, { requestId: string }>;

/** Load, decide, append for one rights request's stream (`rights-request-<id>`). */
@Injectable()
export class RightsRequestsService {
  private readonly calendar: WorkingCalendar;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    this.calendar = { holidays: new Set(config.holidays) };
  }

  dueAt(receivedAt: Date): string {
    return addWorkingDays(receivedAt, this.config.rightsDueWorkingDays, this.calendar).toISOString();
  }

  newId(): string {
    return uuidv7();
  }

  async load(requestId: string): Promise<{ state: LiveRequest; version: number }> {
    const { state, version } = await loadStream(this.store, rightsRequestStream(requestId), REQUEST_FOLD);
    if (state.status === 'absent') throw new DomainError('request-not-found', 'no such rights request');
    return { state, version };
  }

  /** Decides `command` (made from the request's state and the clock's `now`) on the one command path. */
  async execute(requestId: string, context: RequestContext, command: (state: RightsRequestState, now: string) => RightsRequestCommand): Promise<LiveRequest> {
    const now = this.clock().toISOString();
    const handled = await handleCommand(this.store, rightsRequestStream(requestId), REQUEST_FOLD, ({ state }) => decideRightsRequest(command(state, now), state), {
      prepare: withMetadata(context),
    });
    return handled.state as LiveRequest;
  }

  view(state: LiveRequest, now = this.clock()) {
    return {
      requestId: state.requestId,
      subjectId: state.subjectId,
      type: state.requestType,
      status: state.status,
      receivedAt: state.receivedAt,
      dueAt: state.dueAt,
      overdue: isOverdue(state, now),
      extended: state.extended,
      history: state.history,
      ...(state.rejection ? { rejection: state.rejection } : {}),
      ...(state.result ? { result: state.result } : {}),
    };
  }
}
