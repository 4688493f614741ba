import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { POSTGRES_EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { AnyDomainEvent, NewEvent, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { AlongsideInsert, PostgresEventStorePort } from '@pi-ledger/event-store/postgres/postgres-event-store.port';
import { handleCommand, loadStream, StreamFold } from '@pi-ledger/event-store/command-handler';
import { AlongsideConflict } from '@pi-ledger/event-store/event-store.errors';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { EncryptedValue, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { JsonValue } from '@pi-ledger/event-store/event-store.port';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { decideSubject, SubjectCommand } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { SubjectEvent, subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { evolveSubject, initialSubjectState, SubjectState } from '@pi-ledger/ledger-domain/subject/subject.state';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { eventMetadata, RequestContext } from '../application/request-context';
import { RegistryService } from '../registry/registry.service';
import { eventPurpose } from './event-purpose';
import { accessToCustomer } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { BreakGlassRecorder } from '../compliance/break-glass/break-glass.recorder';

export interface CommandResult {
  version: number;
  position: number;
  events: SubjectEvent[];
}

/** A subject's stream as stored: PI sealed. */
export type StoredSubjectEvent = SubjectEvent<EncryptedValue>;

const SUBJECT_FOLD: StreamFold<SubjectState, StoredSubjectEvent> = { initialState: initialSubjectState, evolve: evolveSubject };

/**
 * A subject's commands on the one command path (handleCommand): load, decide with the registry
 * and the clock's `now`, seal the PI, append with the version the decision was based on. Every
 * event's metadata names a purpose and a legal basis (event-purpose.ts). A subject's first append
 * also stores its new data keys, in the same statement (PostgreSQL's append with a row alongside).
 */
@Injectable()
export class SubjectCommandsService {
  readonly codec: SubjectEventCodec;

  constructor(
    @Inject(POSTGRES_EVENT_STORE) private readonly store: PostgresEventStorePort,
    @Inject(PII_VAULT) vault: PiiVault,
    private readonly registry: RegistryService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly breakGlass: BreakGlassRecorder,
  ) {
    this.codec = new SubjectEventCodec(vault);
  }

  load(subjectId: string): Promise<{ state: SubjectState; version: number; events: RecordedEvent<StoredSubjectEvent>[] }> {
    return loadStream(this.store, subjectStream(subjectId), SUBJECT_FOLD);
  }

  /**
   * `build` makes the command from the subject's state, the registry and the time of the decision.
   * `ifMatch`: the version the client read; a moved stream is then PreconditionFailed.
   */
  async execute(
    subjectId: string,
    context: RequestContext,
    ifMatch: number | undefined,
    build: (state: SubjectState, registry: RegistryState, now: string) => SubjectCommand | Promise<SubjectCommand>,
  ): Promise<CommandResult> {
    // set once the subject turns out to have data keys stored already, though no events
    let keysStored = false;
    let decision: { command: SubjectCommand; registry: RegistryState } | undefined;
    let brokeGlass = false;
    const handled = await handleCommand(
      this.store,
      subjectStream(subjectId),
      SUBJECT_FOLD,
      async ({ state }) => {
        // a customer outside the caller's assignment: 403, or break-glass recorded (once) before the change is decided
        if ((state.status === 'active' || state.status === 'restricted') && accessToCustomer(context.actor, subjectId, state.assignment, context.breakGlass) === 'break-glass') {
          if (!brokeGlass) await this.breakGlass.record(context, subjectId, state.assignment, 'write');
          brokeGlass = true;
        }
        const registry = await this.registry.current();
        const command = await build(state, registry, this.clock().toISOString());
        decision = { command, registry };
        return decideSubject(command, state) as StoredSubjectEvent[];
      },
      {
        expectedVersion: ifMatch,
        prepare: (decided, { state, version }) => this.prepare(decided as readonly SubjectEvent[], state, decision!, context, version === 0 && !keysStored),
        retryOn: (error) => {
          if (!(error instanceof AlongsideConflict) || keysStored) return false;
          keysStored = true; // another request stored this subject's keys first: seal with those
          return true;
        },
      },
    );
    return { version: handled.version, position: handled.position, events: handled.events };
  }

  /**
   * New subjects' registrations decided and appended together (an import's batch): each command
   * decided on a new subject's state by the same decider, sealed and given its metadata as `execute`
   * does, then every stream appended in one statement with the subjects' new data keys (all or
   * nothing). Per item: its result, or the domain error that refused it (nothing of it written).
   * A stream that exists already, or keys stored meanwhile, refuses the whole append: its error is
   * thrown, nothing was written, and each command can take `execute` instead.
   */
  async registerNew(
    items: ReadonlyArray<{ subjectId: string; context: RequestContext; command: SubjectCommand }>,
    registry: RegistryState,
  ): Promise<Array<CommandResult | { error: unknown }>> {
    const state = initialSubjectState();
    const decided = items.map(({ command }) => {
      try {
        return decideSubject(command, state);
      } catch (error) {
        return { error };
      }
    });
    const appending = items.flatMap((item, index) => {
      const events = decided[index];
      return Array.isArray(events) && events.length > 0 ? [{ item, index, events }] : [];
    });
    const prepared = await Promise.all(appending.map(({ item, events }) => this.prepare(events, state, { command: item.command, registry }, item.context, true)));
    const results = await this.store.appendToStreams(
      appending.map(({ item }, at) => ({ streamId: subjectStream(item.subjectId), events: prepared[at].events, expectedVersion: 0, alongside: prepared[at].options.alongside })),
    );
    prepared.forEach((append) => append.appended());
    const byIndex = new Map(appending.map(({ index, events }, at) => [index, { version: results[at].nextExpectedVersion, position: results[at].position, events }]));
    return items.map((_, index) => {
      const events = decided[index];
      return Array.isArray(events) ? (byIndex.get(index) ?? { version: 0, position: 0, events }) : events;
    });
  }

  /** Decided events as appended: sealed (a new subject's keys drafted, to be stored with the events), each with its metadata. */
  private async prepare(
    plain: readonly SubjectEvent[],
    state: SubjectState,
    decision: { command: SubjectCommand; registry: RegistryState },
    context: RequestContext,
    firstEvents: boolean,
  ): Promise<{ events: NewEvent<AnyDomainEvent>[]; options: { alongside?: AlongsideInsert }; appended: () => void }> {
    const eventIds = plain.map(() => uuidv7());
    const sealing = await this.codec.sealForAppend(plain, eventIds, firstEvents);
    return {
      events: sealing.events.map((event, index) => ({
        eventId: eventIds[index],
        type: event.type,
        data: event.data,
        // per event: one command may yield events of several kinds (an erasure: a restriction to storage, then the erasure)
        metadata: eventMetadata(context, eventPurpose(decision.command, plain[index], state, decision.registry)),
      })),
      options: sealing.alongside ? { alongside: sealing.alongside } : {},
      appended: () => sealing.appended(),
    };
  }

  /** The decision `execute` would append, taken on the stream as it stands, nothing written (a dry run): its domain errors are the command's. */
  async decide(subjectId: string, build: (state: SubjectState, registry: RegistryState, now: string) => SubjectCommand): Promise<SubjectEvent[]> {
    const { state } = await this.load(subjectId);
    return decideSubject(build(state, await this.registry.current(), this.clock().toISOString()), state);
  }

  /** The subject's events with PI decrypted (or "[erased]"). */
  async openEvents<R extends RecordedEvent<StoredSubjectEvent>>(events: readonly R[]): Promise<Array<{ recorded: R; event: SubjectEvent<JsonValue> }>> {
    const opened = await this.codec.openAll(
      events,
      events.map((recorded) => recorded.eventId),
    );
    return events.map((recorded, index) => ({ recorded, event: opened[index] }));
  }
}
