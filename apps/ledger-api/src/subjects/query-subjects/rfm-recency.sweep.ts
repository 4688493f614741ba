import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { intervalFromEnv, PeriodicSweep, withAdvisoryLock } from '@pi-ledger/platform/scheduling/periodic-sweep';
import { physicalTable } from '@pi-ledger/read-models/runner/projection-checkpoints';
import { gradingDay, recencyGradeSql, storedGradesSql } from '@pi-ledger/read-models/projections/customer-query/rfm';

export interface RfmRecencyRun {
  /** The day graded for (China). */
  day: string;
  /** False when another process was sweeping already. */
  ran: boolean;
  /** Customers whose recency grade changed (their score and segment with it). */
  regraded: number;
}

/** pg advisory lock key of the sweep: "pi-ledger rfm recency" in a bigint. */
const LOCK_KEY = '7304853921004616';

/**
 * The RFM recency grade ages with the calendar, not with events: a customer whose last order turns
 * 31 days old drops from 5 to 4 without any order arriving. The customer_query projection grades
 * recency when orders arrive; this sweep grades it again for the ledger clock's day, writing only the
 * rows whose grade changed (with their score and segment), so a run costs one pass over the facts
 * and a few writes. Every LEDGER_RFM_SWEEP_INTERVAL_MINUTES (default 60; 0: off) and once at start
 * (which also grades rows written before grades were stored); `runOnce(now)` for tests and operators.
 */
@Injectable()
export class RfmRecencySweep implements OnApplicationBootstrap, OnModuleDestroy {
  private periodic?: PeriodicSweep;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const intervalMs = intervalFromEnv(process.env, 'LEDGER_RFM_SWEEP_INTERVAL_MINUTES', 60);
    if (intervalMs <= 0) return;
    const sweep = () => this.runOnce(this.clock());
    this.periodic = new PeriodicSweep('rfm recency sweep', intervalMs, sweep, this.logger);
    this.periodic.start();
    sweep().catch((error) => this.logger.warn({ err: error }, 'rfm recency sweep failed at start; the next run tries again'));
  }

  async onModuleDestroy(): Promise<void> {
    await this.periodic?.stop();
  }

  async runOnce(now: Date): Promise<RfmRecencyRun> {
    const day = gradingDay(now);
    const locked = await withAdvisoryLock(this.pool, LOCK_KEY, async () => {
      // the live generation of the projection's table (a rebuild grades its own as of the day it applies orders, and swaps it in with this row)
      const { rows } = await this.pool.query<{ generation: number }>(`SELECT generation FROM projection_checkpoints WHERE name = 'customer_query'`);
      if (rows.length === 0) return 0;
      const recency = recencyGradeSql('last_order_date', '$1');
      const { rowCount } = await this.pool.query(
        `UPDATE ${physicalTable('customer_query_facts', rows[0].generation)} SET ${storedGradesSql(recency)}
          WHERE last_order_date IS NOT NULL AND rfm_frequency IS NOT NULL AND rfm_recency IS DISTINCT FROM ${recency}`,
        [day],
      );
      return rowCount ?? 0;
    });
    const run: RfmRecencyRun = { day, ran: locked.ran, regraded: locked.ran ? locked.result : 0 };
    if (run.regraded > 0) this.logger.info(run, 'rfm recency sweep');
    return run;
  }
}
