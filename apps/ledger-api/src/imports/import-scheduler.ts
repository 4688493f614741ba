import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { intervalFromEnv, PeriodicSweep } from '@pi-ledger/platform/scheduling/periodic-sweep';
import { ImportJobsStore } from './import-jobs.store';
import { ImportRunner } from './import-runner';

/**
 * Runs the API's import jobs in the background: at start (resuming what a stopped process left
 * running), when a job is created, and every LEDGER_IMPORT_SWEEP_MINUTES (default 1) for jobs
 * another API process dropped. A job is run by one process at a time (ImportRunner's lock); on
 * shutdown the run stops between rows and the job stays `running`, to be resumed.
 */
@Injectable()
export class ImportScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly sweep: PeriodicSweep;
  private readonly stopping = new AbortController();
  private pending?: Promise<void>;
  private again = false;

  constructor(
    private readonly store: ImportJobsStore,
    private readonly runner: ImportRunner,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {
    this.sweep = new PeriodicSweep('import jobs', intervalFromEnv(process.env, 'LEDGER_IMPORT_SWEEP_MINUTES', 1), () => this.runOnce(), logger);
  }

  onApplicationBootstrap(): void {
    this.sweep.start();
    this.kick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.sweep.stop();
    await this.pending;
  }

  /** Runs the open jobs soon, without waiting (a new job, the start). */
  kick(): void {
    if (this.pending) {
      this.again = true;
      return;
    }
    this.pending = this.runOnce()
      .catch((error) => this.logger.warn({ err: error }, 'import jobs failed; the next sweep resumes them'))
      .finally(() => {
        this.pending = undefined;
        if (this.again && !this.stopping.signal.aborted) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Every open job of the API, one after the other; a job another process runs is left to it. */
  async runOnce(): Promise<void> {
    for (const jobId of await this.store.open('api')) {
      if (this.stopping.signal.aborted) return;
      await this.runner.run(jobId, { signal: this.stopping.signal });
    }
  }
}
