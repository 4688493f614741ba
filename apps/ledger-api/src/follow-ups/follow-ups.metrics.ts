import { Inject, Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { FollowUpTaskQueries } from '@pi-ledger/read-models/projections/follow-ups/follow-up-tasks.queries';
import { chinaDate } from '../subjects/subject-data.dto';

/** `pi_ledger_follow_ups_overdue{department}`: open tasks past their due date on the ledger's date, counted at each scrape. */
@Injectable()
export class FollowUpsMetrics {
  constructor(metrics: LedgerMetrics, tasks: FollowUpTaskQueries, @Inject(LEDGER_CLOCK) clock: LedgerClock) {
    new Gauge({
      name: 'pi_ledger_follow_ups_overdue',
      help: 'Open follow-up tasks past their due date (China date of the ledger clock), per department ("" for none)',
      labelNames: ['department'] as const,
      registers: [metrics.registry],
      async collect() {
        const counts = await tasks.overdueByDepartment(chinaDate(clock())).catch(() => undefined);
        if (!counts) return;
        this.reset();
        for (const [department, n] of counts) this.set({ department }, n);
        if (counts.size === 0) this.set({ department: '' }, 0);
      },
    });
  }
}
