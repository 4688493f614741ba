import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore, JsonObject, NewEvent, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { AlongsideConflict, WrongExpectedVersion } from '@pi-ledger/event-store/event-store.errors';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { EncryptedValue, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { decideSubject, SubjectCommand } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { SubjectEvent, subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { evolveSubject, initialSubjectState, SubjectState } from '@pi-ledger/ledger-domain/subject/subject.state';
import { eventMetadata, RequestContext } from '../http/request-context';
import { RegistryService } from '../registry/registry.service';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { eventPurpose } from './event-purpose';

export interface CommandResult {
  version: number;
  position: number;
  events: SubjectEvent[];
}

const MAX_ATTEMPTS = 5;

/**
 * Load the stream, decide, seal the PI, append with the version the decision was based on.
 * Every event's metadata names a purpose and a legal basis (see event-purpose.ts).
 * Without If-Match a concurrent change makes it decide again; with If-Match it is a 412.
 * A subject's first append also stores its new data keys, in the same statement.
 */
@Injectable()
export class SubjectCommandsService {
  readonly codec: SubjectEventCodec;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) vault: PiiVault,
    private readonly registry: RegistryService,
  ) {
    this.codec = new SubjectEventCodec(vault);
  }

  async load(subjectId: string): Promise<{ state: SubjectState; version: number; events: RecordedEvent[] }> {
    const events = await this.readAll(subjectId);
    const state = events.reduce((current, event) => evolveSubject(current, event as unknown as SubjectEvent), initialSubjectState());
    return { state, version: events.at(-1)?.streamVersion ?? 0, events };
  }

  async execute(
    subjectId: string,
    context: RequestContext,
    ifMatch: number | undefined,
    build: (state: SubjectState, registry: RegistryState) => SubjectCommand,
  ): Promise<CommandResult> {
    // set once the subject turns out to have data keys stored already, though no events
    let keysStored = false;
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await this.load(subjectId);
      if (ifMatch !== undefined && ifMatch !== version) throw preconditionFailed(version);
      const registry = await this.registry.current();
      const command = build(state, registry);
      const decided = decideSubject(command, state);
      // per event: one command may yield events of several kinds (an erasure: a restriction to storage, then the erasure)
      const metadata = decided.map((event) => eventMetadata(context, eventPurpose(command, event, state, registry)));
      const eventIds = decided.map(() => uuidv7());
      const sealing = await this.codec.sealForAppend(decided, eventIds, version === 0 && !keysStored);
      const sealed: NewEvent[] = sealing.events.map((event, index) => ({
        eventId: eventIds[index],
        type: event.type,
        data: event.data as unknown as JsonObject,
        metadata: metadata[index],
      }));
      try {
        const result = await this.store.appendToStream(subjectStream(subjectId), sealed, {
          expectedVersion: version,
          ...(sealing.alongside ? { alongside: sealing.alongside } : {}),
        });
        sealing.appended();
        return { version: result.nextExpectedVersion, position: result.position, events: decided };
      } catch (error) {
        if (error instanceof AlongsideConflict && !keysStored) {
          keysStored = true;
          continue;
        }
        if (!(error instanceof WrongExpectedVersion)) throw error;
        if (ifMatch !== undefined) throw preconditionFailed(error.actual);
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** The subject's events with PI decrypted (or "[erased]"). */
  async openEvents(events: RecordedEvent[]): Promise<Array<{ recorded: RecordedEvent; event: SubjectEvent }>> {
    const opened = await this.codec.openAll(
      events.map((recorded) => recorded as unknown as SubjectEvent<EncryptedValue>),
      events.map((recorded) => recorded.eventId),
    );
    return events.map((recorded, index) => ({ recorded, event: opened[index] }));
  }

  private async readAll(subjectId: string): Promise<RecordedEvent[]> {
    const all: RecordedEvent[] = [];
    for (let from = 1; ; ) {
      const page = await this.store.readStream(subjectStream(subjectId), { fromVersion: from, maxCount: 1000 });
      all.push(...page);
      if (page.length < 1000) return all;
      from = page[page.length - 1].streamVersion + 1;
    }
  }
}

function preconditionFailed(actual: number): ProblemException {
  return new ProblemException(412, 'precondition-failed', 'Precondition failed', `the subject is at version ${actual}; read it again and retry`, undefined, {
    currentVersion: actual,
  });
}
