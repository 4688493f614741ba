import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { decideRegistry, evolveRegistry, initialRegistry, REGISTRY_STREAM, RegistryCommand, RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { RegistryEvent } from '@pi-ledger/ledger-domain/registry/registry.events';
import { defaultRegistryCommands } from '@pi-ledger/ledger-domain/registry/default-registry';
import { RequestContext, withMetadata } from '../application/request-context';
import { AssessmentState, coveringAssessments, evolveAssessments, initialAssessments } from '@pi-ledger/ledger-domain/assessments/assessment.decider';
import { AssessmentEvent, ASSESSMENTS_STREAM } from '@pi-ledger/ledger-domain/assessments/assessment.events';

const REGISTRY_FOLD: StreamFold<RegistryState, RegistryEvent> = { initialState: initialRegistry, evolve: evolveRegistry };

/** A registry command as the HTTP edge makes it: without its time, which the clock gives. */
export type RegistryChange = RegistryCommand extends infer C ? (C extends { now: string } ? Omit<C, 'now'> : never) : never;

const SYSTEM: RequestContext = { actor: { id: 'system', roles: ['admin'] }, correlationId: 'registry-seed', causationId: 'registry-seed' };

/**
 * The registry stream folded in memory. Every read checks the stream's version (one indexed
 * query) and folds only what is new, so several API instances stay in step.
 */
@Injectable()
export class RegistryService implements OnApplicationBootstrap {
  private readonly folded: CachedStreamFold<RegistryState, RegistryEvent>;
  private readonly assessments: CachedStreamFold<AssessmentState, AssessmentEvent>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    this.folded = new CachedStreamFold(store, REGISTRY_STREAM, REGISTRY_FOLD);
    this.assessments = new CachedStreamFold(store, ASSESSMENTS_STREAM, { initialState: initialAssessments, evolve: evolveAssessments });
  }

  /** Seeds the default registry once, on the first start of an empty ledger (another instance may seed it first). */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.store.streamVersion(REGISTRY_STREAM)) > 0) return;
    const now = this.clock().toISOString();
    const seeded = await handleCommand(
      this.store,
      REGISTRY_STREAM,
      REGISTRY_FOLD,
      ({ state, version }) => {
        if (version > 0) return [];
        let seeding = state;
        return defaultRegistryCommands(now).flatMap((command) => {
          const produced = decideRegistry(command, seeding);
          seeding = produced.reduce(evolveRegistry, seeding);
          return produced;
        });
      },
      { prepare: withMetadata(SYSTEM) },
    );
    if (seeded.events.length > 0) this.logger.info('default registry seeded: purposes health-management, marketing, research; notice v1');
  }

  /** The registry, with the impact assessments that cover each purpose now (processing is admitted against both). */
  async current(): Promise<RegistryState> {
    const [registry, assessments] = await Promise.all([this.folded.current(), this.assessments.current()]);
    return { ...registry, assessments: coveringAssessments(assessments, this.clock().toISOString()) };
  }

  async execute(change: RegistryChange, context: RequestContext): Promise<{ version: number; position: number }> {
    const now = this.clock().toISOString();
    const result = await handleCommand(this.store, REGISTRY_STREAM, REGISTRY_FOLD, ({ state }) => decideRegistry({ ...change, now }, state), {
      prepare: withMetadata(context),
    });
    return { version: result.version, position: result.position };
  }
}
