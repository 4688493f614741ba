import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore, JsonObject } from '@pi-ledger/event-store/event-store.port';
import { WrongExpectedVersion } from '@pi-ledger/event-store/event-store.errors';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { decideRegistry, evolveRegistry, initialRegistry, REGISTRY_STREAM, RegistryCommand, RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { RegistryEvent } from '@pi-ledger/ledger-domain/registry/registry.events';
import { defaultRegistryCommands } from '@pi-ledger/ledger-domain/registry/default-registry';
import { eventMetadata, RequestContext } from '../http/request-context';

const SYSTEM: RequestContext = { actor: { id: 'system', roles: ['admin'] }, correlationId: 'registry-seed', causationId: 'registry-seed' };

/**
 * The registry stream folded in memory. Every read checks the stream's version (one indexed
 * query) and folds only what is new, so several API instances stay in step.
 */
@Injectable()
export class RegistryService implements OnApplicationBootstrap {
  private state: RegistryState = initialRegistry();
  private version = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  /** Seeds the default registry once, on the first start of an empty ledger. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.store.streamVersion(REGISTRY_STREAM)) > 0) return;
    const now = new Date().toISOString();
    const events = defaultRegistryCommands(now).flatMap((command) => {
      const produced = decideRegistry(command, this.state);
      this.state = produced.reduce(evolveRegistry, this.state);
      return produced;
    });
    try {
      await this.store.appendToStream(REGISTRY_STREAM, events.map((event) => ({ ...event, data: event.data as unknown as JsonObject, metadata: eventMetadata(SYSTEM) })), {
        expectedVersion: 'no_stream',
      });
      this.logger.info('default registry seeded: purposes health-management, marketing, research; notice v1');
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error; // another instance seeded it first
    } finally {
      this.state = initialRegistry();
      this.version = 0;
    }
  }

  async current(): Promise<RegistryState> {
    const head = await this.store.streamVersion(REGISTRY_STREAM);
    if (head !== this.version) {
      const events = await this.store.readStream(REGISTRY_STREAM, { fromVersion: this.version + 1 });
      this.state = events.reduce((state, event) => evolveRegistry(state, event as unknown as RegistryEvent), this.state);
      this.version = events.at(-1)?.streamVersion ?? this.version;
    }
    return this.state;
  }

  async execute(command: RegistryCommand, context: RequestContext): Promise<{ version: number; position: number }> {
    for (;;) {
      const state = await this.current();
      const events = decideRegistry(command, state);
      try {
        const result = await this.store.appendToStream(
          REGISTRY_STREAM,
          events.map((event) => ({ ...event, data: event.data as unknown as JsonObject, metadata: eventMetadata(context) })),
          { expectedVersion: this.version },
        );
        return { version: result.nextExpectedVersion, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersion)) throw error; // someone changed the registry meanwhile: decide again
      }
    }
  }
}
