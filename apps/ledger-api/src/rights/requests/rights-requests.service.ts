import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore, JsonObject } from '@pi-ledger/event-store/event-store.port';
import { WrongExpectedVersion } from '@pi-ledger/event-store/event-store.errors';
import { LEDGER_CONFIG } from '@pi-ledger/platform/config/config.tokens';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import {
  decideRightsRequest,
  evolveRightsRequest,
  isOverdue,
  RightsRequestCommand,
  RightsRequestState,
} from '@pi-ledger/ledger-domain/rights-request/rights-request.decider';
import { RightsRequestEvent, rightsRequestStream } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';
import { addWorkingDays, WorkingCalendar } from '@pi-ledger/ledger-domain/rights-request/working-days';
import { eventMetadata, RequestContext } from '../../http/request-context';

export type LiveRequest = Extract<RightsRequestState, { requestId: string }>;

/** Load, decide, append for one rights request's stream (`rights-request-<id>`). */
@Injectable()
export class RightsRequestsService {
  private readonly calendar: WorkingCalendar;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
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
    const events = await this.store.readStream(rightsRequestStream(requestId));
    const state = events.reduce((current, event) => evolveRightsRequest(current, event as unknown as RightsRequestEvent), { status: 'absent' } as RightsRequestState);
    if (state.status === 'absent') throw new DomainError('request-not-found', 'no such rights request');
    return { state, version: events.length };
  }

  async execute(requestId: string, context: RequestContext, command: (state: RightsRequestState) => RightsRequestCommand, events?: RightsRequestEvent[]): Promise<LiveRequest> {
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(rightsRequestStream(requestId));
      let state = recorded.reduce((current, event) => evolveRightsRequest(current, event as unknown as RightsRequestEvent), { status: 'absent' } as RightsRequestState);
      const decided = events ?? decideRightsRequest(command(state), state);
      try {
        await this.store.appendToStream(
          rightsRequestStream(requestId),
          decided.map((event) => ({ type: event.type, data: event.data as unknown as JsonObject, metadata: eventMetadata(context) })),
          { expectedVersion: recorded.length },
        );
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion) || attempt >= 5) throw error;
        continue;
      }
      state = decided.reduce(evolveRightsRequest, state);
      return state as LiveRequest;
    }
  }

  view(state: LiveRequest, now = new Date()) {
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
