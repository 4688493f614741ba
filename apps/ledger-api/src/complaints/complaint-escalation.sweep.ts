import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy, Provider } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { intervalFromEnv, PeriodicSweep, withAdvisoryLock } from '@pi-ledger/platform/scheduling/periodic-sweep';
import { RequestContext } from '../application/request-context';
import { ComplaintsService } from './complaints.service';
import { ComplaintManagers } from './complaint-managers';

export interface ComplaintEscalationRun {
  at: string;
  /** False when another process was sweeping already. */
  ran: boolean;
  escalated: Array<{ complaintId: string; trigger: string; dueAt: string | null; escalatedTo: string[] }>;
  failed: Array<{ complaintId: string; code: string }>;
}

/** How often the sweep runs; 0 turns it off. */
export const COMPLAINT_ESCALATION_INTERVAL = Symbol('COMPLAINT_ESCALATION_INTERVAL');
const VARIABLE = 'LEDGER_COMPLAINT_ESCALATION_INTERVAL_MINUTES';
export const complaintEscalationIntervalProvider: Provider = { provide: COMPLAINT_ESCALATION_INTERVAL, useFactory: () => intervalFromEnv(process.env, VARIABLE, 5) };

const PAGE = 200;
/** pg advisory lock key of the sweep: "pi-ledger complaint escalation" in a bigint. */
const LOCK_KEY = '7304853921004513';

/**
 * Escalates complaints whose reply or resolution deadline passed: one `ComplaintEscalated` per
 * deadline, to the department's managers (complaint-managers.ts), as `system:complaint-escalation`.
 * Candidates come from the read model; the complaint's own stream decides, so a lagging read
 * model or two sweeps never escalate a deadline twice. `runOnce(now)` sweeps at a given time.
 */
@Injectable()
export class ComplaintEscalationSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private periodic?: PeriodicSweep;

  constructor(
    private readonly complaints: ComplaintsService,
    private readonly managers: ComplaintManagers,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(COMPLAINT_ESCALATION_INTERVAL) private readonly intervalMs: number,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic = new PeriodicSweep('complaint escalation sweep', this.intervalMs, () => this.runOnce(this.clock()), this.logger);
    this.periodic.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.periodic?.stop();
  }

  async runOnce(now: Date): Promise<ComplaintEscalationRun> {
    const run: ComplaintEscalationRun = { at: now.toISOString(), ran: false, escalated: [], failed: [] };
    const id = `complaint-escalation-${run.at}`;
    const context: RequestContext = { actor: { id: 'system:complaint-escalation', roles: [] }, correlationId: id, causationId: id };
    const managersOf = this.managers.memoized(); // one look at the staff accounts per department per run
    const locked = await withAdvisoryLock(this.pool, LOCK_KEY, async () => {
      for (let after = ''; ;) {
        const candidates = await this.complaints.complaints.dueForEscalation(run.at, after, PAGE);
        for (const complaintId of candidates) {
          try {
            for (const { trigger, dueAt, escalatedTo } of await this.complaints.escalateOverdue(complaintId, now, context, managersOf))
              run.escalated.push({ complaintId, trigger, dueAt, escalatedTo });
          } catch (error) {
            const code = (error as { code?: unknown }).code;
            run.failed.push({ complaintId, code: typeof code === 'string' ? code : 'internal-error' });
            this.logger.warn({ err: error, complaintId }, 'complaint escalation failed; the next sweep tries again');
          }
        }
        if (candidates.length < PAGE) return;
        after = candidates[candidates.length - 1];
      }
    });
    run.ran = locked.ran;
    if (run.escalated.length + run.failed.length > 0) {
      this.logger.info({ at: run.at, escalated: run.escalated.map((e) => e.complaintId), failed: run.failed }, 'complaint escalation sweep');
    }
    return run;
  }
}
