import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_DATABASE } from '@pi-ledger/platform/config/config.tokens';
import type { OpenDatabase } from '@pi-ledger/platform/database/ledger-database';
import { GLOBAL_LOG } from '@pi-ledger/event-store/event-store.module';
import type { GlobalLog } from '@pi-ledger/event-store/event-store.port';
import { ProjectionStatusService } from '@pi-ledger/read-models/read-models.module';
import { rebuildProjection } from '@pi-ledger/read-models/runner/projection-rebuild';

export type RebuildErrorCode = 'projection-not-found' | 'rebuild-running' | 'rebuild-not-found';

export interface RebuildProgress {
  projection: string;
  state: 'running' | 'completed' | 'failed';
  /** Events of the log applied to the new generation so far, of `total` (the log's size when the pass began). */
  done: number;
  total: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
  startedAt: string;
  finishedAt: string | null;
  generation: number | null;
  resumed: boolean;
  quarantined: number;
  /** Why it failed: the rebuild's own words (they name projections and codes), else the error's class and SQLSTATE, never a database message that could quote a value. */
  failure: string | null;
}

/**
 * Rebuilds started over HTTP (the console's ops page), run in this API process as `ledger projections
 * rebuild` runs them in the CLI's, and their progress for polling. The progress lives in this process;
 * the rebuild itself is safe across processes (projection_rebuilds claims it; a second is refused).
 */
@Injectable()
export class ProjectionRebuildsService implements OnApplicationShutdown {
  private readonly log = new Logger('ProjectionRebuilds');
  private readonly progress = new Map<string, RebuildProgress>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly status: ProjectionStatusService,
    @Inject(GLOBAL_LOG) private readonly store: GlobalLog,
    @Inject(LEDGER_DATABASE) private readonly database: OpenDatabase,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {}

  start(name: string): RebuildProgress {
    const projection = this.status.projection(name);
    if (!projection) throw new DomainError<RebuildErrorCode>('projection-not-found', `no projection ${name}`, { projection: name });
    if (this.progress.get(name)?.state === 'running') throw new DomainError<RebuildErrorCode>('rebuild-running', `a rebuild of ${name} is running`, { projection: name });
    const entry: RebuildProgress = {
      projection: name,
      state: 'running',
      done: 0,
      total: 0,
      eventsPerSecond: 0,
      etaSeconds: null,
      startedAt: this.clock().toISOString(),
      finishedAt: null,
      generation: null,
      resumed: false,
      quarantined: 0,
      failure: null,
    };
    this.progress.set(name, entry);
    const began = performance.now();
    // DDL (a new generation, the view switch, dropping the old one) needs the owner, not the service's restricted role
    const ownerPool = new Pool({ connectionString: this.database.url, max: 2, application_name: 'pi-ledger-rebuild' });
    const run = rebuildProjection({
      ownerPool,
      store: this.store,
      projection,
      onProgress: (done, total) => {
        const seconds = Math.max(0.001, (performance.now() - began) / 1000);
        entry.done = done;
        entry.total = total;
        entry.eventsPerSecond = Math.round(done / seconds);
        entry.etaSeconds = entry.eventsPerSecond > 0 ? Math.ceil((total - done) / entry.eventsPerSecond) : null;
      },
    })
      .then((result) => {
        Object.assign(entry, { state: 'completed', done: result.events, total: Math.max(entry.total, result.events), etaSeconds: 0, generation: result.generation });
        Object.assign(entry, { resumed: result.resumed, quarantined: result.quarantined });
        this.log.log(`rebuilt ${name}: ${result.events} events into generation ${result.generation}`);
      })
      .catch((error: unknown) => {
        entry.state = 'failed';
        entry.failure = failureOf(error);
        this.log.warn(`the rebuild of ${name} failed: ${entry.failure}`);
      })
      .finally(() => {
        entry.finishedAt = this.clock().toISOString();
        this.running.delete(run);
        return ownerPool.end();
      });
    this.running.add(run);
    return { ...entry };
  }

  get(name: string): RebuildProgress {
    if (!this.status.projection(name)) throw new DomainError<RebuildErrorCode>('projection-not-found', `no projection ${name}`, { projection: name });
    const entry = this.progress.get(name);
    if (!entry) throw new DomainError<RebuildErrorCode>('rebuild-not-found', `no rebuild of ${name} was started here`, { projection: name });
    return { ...entry };
  }

  /** A rebuild cut short resumes when started again (its checkpoint is in projection_rebuilds); shutting down waits for none. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }
}

function failureOf(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  if (/^(the rebuild of|a rebuild of) /.test(error.message)) return error.message.split('\n')[0];
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} ${code}` : error.name;
}
