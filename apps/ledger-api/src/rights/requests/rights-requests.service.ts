import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, readWholeStream, StreamFold } from '@pi-ledger/event-store/command-handler';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { RIGHTS_REQUEST_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_CONFIG } from '@pi-ledger/platform/config/config.tokens';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { decideRightsRequest, evolveRightsRequest, isOverdue, RightsRequestCommand, RightsRequestState } from '@pi-ledger/ledger-domain/rights-request/rights-request.decider';
import { RightsRequestEvent, rightsRequestStream } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';
import { addWorkingDays, WorkingCalendar } from '@pi-ledger/ledger-domain/rights-request/working-days';
import { eventMetadata, RequestContext } from '../../application/request-context';
import { effectiveEvents, followingMoves } from '@pi-ledger/ledger-domain/subject/record-move';

const REQUEST_FOLD: StreamFold<RightsRequestState, RightsRequestEvent> = followingMoves({ initialState: () => ({ status: 'absent' }), evolve: evolveRightsRequest });

export type LiveRequest = Extract<RightsRequestState, { requestId: string }>;

/**
 * Load, decide, append for one rights request's stream (`rights-request-<id>`). The decider sees
 * plaintext; what it decides is sealed by the event types' PI declarations before the append, and
 * `load` opens it again (values of an erased subject read "[erased]").
 */
@Injectable()
export class RightsRequestsService {
  readonly calendar: WorkingCalendar;
  private readonly codec: DeclaredEventCodec<RightsRequestEvent>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(PII_VAULT) vault: PiiVault,
  ) {
    this.calendar = { holidays: new Set(config.holidays) };
    this.codec = new DeclaredEventCodec<RightsRequestEvent>(vault, RIGHTS_REQUEST_PI);
  }

  dueAt(receivedAt: Date): string {
    return addWorkingDays(receivedAt, this.config.rightsDueWorkingDays, this.calendar).toISOString();
  }

  newId(): string {
    return uuidv7();
  }

  /** The request with its PI opened. */
  async load(requestId: string): Promise<{ state: LiveRequest; version: number }> {
    const { state, version } = await this.find(requestId);
    if (state.status === 'absent') throw new DomainError('request-not-found', 'no such rights request');
    return { state, version };
  }

  /** The request's state with its PI opened, absent when there is none. */
  async find(requestId: string): Promise<{ state: RightsRequestState; version: number }> {
    const recorded = await readWholeStream<RightsRequestEvent>(this.store, rightsRequestStream(requestId));
    const opened = await this.codec.openAll(effectiveEvents(recorded).map(({ type, data }) => ({ type, data }) as RightsRequestEvent));
    return { state: opened.reduce(REQUEST_FOLD.evolve, REQUEST_FOLD.initialState()), version: recorded.at(-1)?.streamVersion ?? 0 };
  }

  /** Decides `command` (made from the request's state and the clock's `now`) on the one command path. */
  /** Returns the request as it then stands, opened. */
  async execute(requestId: string, context: RequestContext, command: (state: RightsRequestState, now: string) => RightsRequestCommand): Promise<LiveRequest> {
    const now = this.clock().toISOString();
    await handleCommand(this.store, rightsRequestStream(requestId), REQUEST_FOLD, ({ state }) => decideRightsRequest(command(state, now), state), {
      prepare: async (events) => ({ events: (await this.codec.sealAll(events)).map((event) => ({ ...event, metadata: eventMetadata(context) })) }),
    });
    return (await this.load(requestId)).state;
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
      details: state.details,
      history: state.history,
      ...(state.rejection ? { rejection: state.rejection } : {}),
      ...(state.result ? { result: state.result } : {}),
    };
  }
}
