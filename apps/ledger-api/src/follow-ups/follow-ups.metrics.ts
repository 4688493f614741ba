import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { FollowUpTaskQueries } from '@pi-ledger/read-models/projections/follow-ups/follow-up-tasks.queries';
import { chinaDate } from '../subjects/subject-data.dto';

/**
 * `pi_ledger_follow_ups_overdue{department}`: open tasks past their due date on the ledger's date,
 * and `pi_ledger_follow_ups_escalated{department}`: open tasks escalated to a department head, both
 * counted from the read model at each scrape (so every process reports the whole ledger);
 * `pi_ledger_follow_up_escalations_total{department}`: escalations this process's sweep made.
 */
@Injectable()
export class FollowUpsMetrics {
  readonly escalations: Counter<'department'>;

  constructor(metrics: LedgerMetrics, tasks: FollowUpTaskQueries, @Inject(LEDGER_CLOCK) clock: LedgerClock) {
    const perDepartment = (name: string, help: string, count: () => Promise<Map<string, number>>) =>
      new Gauge({
        name,
        help,
        labelNames: ['department'] as const,
        registers: [metrics.registry],
        async collect() {
          const counts = await count().catch(() => undefined);
          if (!counts) return;
          this.reset();
          for (const [department, n] of counts) this.set({ department }, n);
          if (counts.size === 0) this.set({ department: '' }, 0);
        },
      });
    perDepartment('pi_ledger_follow_ups_overdue', 'Open follow-up tasks past their due date (China date of the ledger clock), per department ("" for none)', () =>
      tasks.overdueByDepartment(chinaDate(clock())),
    );
    perDepartment('pi_ledger_follow_ups_escalated', 'Open follow-up tasks escalated to their department’s head, per department ("" for none)', () => tasks.escalatedByDepartment());
    this.escalations = new Counter({
      name: 'pi_ledger_follow_up_escalations_total',
      help: 'Overdue follow-up tasks this process’s sweep escalated, per department ("" for none)',
      labelNames: ['department'] as const,
      registers: [metrics.registry],
    });
  }
}
