import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import { GLOBAL_LOG } from '@pi-ledger/event-store/event-store.module';
import type { GlobalLog } from '@pi-ledger/event-store/event-store.port';
import { Projection } from './runner/projection';
import { ProjectionCheckpoints } from './runner/projection-checkpoints';
import { ProjectionRunner } from './runner/projection-runner';
import { ProjectionQuarantine, QuarantineEntry } from './runner/projection-quarantine';

export const LEDGER_PROJECTIONS = Symbol('LEDGER_PROJECTIONS');

export interface ProjectionStatusView {
  name: string;
  version: number;
  generation: number;
  status: string;
  checkpoint: { transactionId: number; position: number };
  lagEvents: number;
  lastError?: string;
  failedPosition?: number;
  /** Streams this projection skips since it could not apply one of their events (`ledger projections replay`). */
  quarantinedStreams: number;
  /** The first of them (up to 100), oldest first: stream, first failing event, error code and a fixed description. */
  quarantined: Array<Omit<QuarantineEntry, 'projection' | 'generation'>>;
  updatedAt: string;
}

/** How many quarantined streams `all()` lists per projection (the count is always whole). */
const LISTED_QUARANTINED = 100;

/** Status of every projection, with its lag in events (ops endpoint, CLI, metric). */
@Injectable()
export class ProjectionStatusService {
  readonly checkpoints: ProjectionCheckpoints;
  readonly quarantine: ProjectionQuarantine;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(LEDGER_PROJECTIONS) readonly projections: Projection[],
    metrics: LedgerMetrics,
  ) {
    this.checkpoints = new ProjectionCheckpoints(pool);
    this.quarantine = new ProjectionQuarantine(pool);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- prom-client calls collect() with the gauge as `this`
    const service = this;
    new Gauge({
      name: 'pi_ledger_projection_lag_events',
      help: 'Events in the log not yet applied by a projection',
      labelNames: ['projection'] as const,
      registers: [metrics.registry],
      async collect() {
        for (const view of await service.all().catch(() => [])) this.set({ projection: view.name }, view.lagEvents);
      },
    });
    new Gauge({
      name: 'pi_ledger_projection_quarantined_streams',
      help: 'Streams a projection skips because it could not apply one of their events (ledger projections replay)',
      labelNames: ['projection'] as const,
      registers: [metrics.registry],
      async collect() {
        const counts = await service.quarantine.counts().catch(() => undefined);
        if (!counts) return;
        for (const projection of service.projections) this.set({ projection: projection.name }, counts.get(projection.name) ?? 0);
      },
    });
  }

  async all(): Promise<ProjectionStatusView[]> {
    await this.checkpoints.register(this.projections);
    const rows = await this.checkpoints.all();
    const known = new Set(this.projections.map((projection) => projection.name));
    const [counts, listed] = await Promise.all([this.quarantine.counts(), this.quarantine.list()]);
    return Promise.all(
      rows
        .filter((row) => known.has(row.name))
        .map(async (row) => ({
          name: row.name,
          version: row.version,
          generation: row.generation,
          status: row.status,
          checkpoint: row.checkpoint,
          lagEvents: await this.checkpoints.lag(row.checkpoint),
          ...(row.lastError ? { lastError: row.lastError, failedPosition: row.failedPosition } : {}),
          quarantinedStreams: counts.get(row.name) ?? 0,
          quarantined: listed
            .filter((entry) => entry.projection === row.name)
            .slice(0, LISTED_QUARANTINED)
            .map(({ projection: _projection, generation: _generation, ...entry }) => entry),
          updatedAt: row.updatedAt.toISOString(),
        })),
    );
  }

  projection(name: string): Projection | undefined {
    return this.projections.find((projection) => projection.name === name);
  }
}

/** Runs the projections in this process (the API by default, or `npm run projector`). */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnModuleDestroy {
  private runner?: ProjectionRunner;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(GLOBAL_LOG) private readonly store: GlobalLog,
    @Inject(LEDGER_PROJECTIONS) private readonly projections: Projection[],
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    @Inject('PROJECTOR_ENABLED') private readonly enabled: boolean,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    this.runner = new ProjectionRunner(this.pool, this.store, this.projections, { logger: this.logger.child({ component: 'projector' }) });
    await this.runner.start();
    this.logger.info({ projections: this.projections.map((p) => p.name), owner: this.runner.owner }, 'projector running');
  }

  /** First in the shutdown order: the event store closes after, the pool last. */
  async onModuleDestroy(): Promise<void> {
    await this.runner?.stop();
  }
}

@Global()
@Module({})
export class ReadModelsModule {
  /** `projections` is a provider of LEDGER_PROJECTIONS; `run` starts a projector in this process. */
  static forRoot(options: { projections: DynamicModule['providers']; run: boolean }): DynamicModule {
    return {
      module: ReadModelsModule,
      providers: [...(options.projections ?? []), { provide: 'PROJECTOR_ENABLED', useValue: options.run }, ProjectionStatusService, ProjectorService],
      exports: [LEDGER_PROJECTIONS, ProjectionStatusService, 'PROJECTOR_ENABLED'],
    };
  }
}
