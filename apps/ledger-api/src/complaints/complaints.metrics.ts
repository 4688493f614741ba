import { Inject, Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { ComplaintQueries } from '@pi-ledger/read-models/projections/complaints/complaints.queries';

/** `pi_ledger_complaints_overdue{department,severity}`: open complaints past their reply or resolution deadline on the ledger's clock, counted at each scrape. */
@Injectable()
export class ComplaintsMetrics {
  constructor(metrics: LedgerMetrics, complaints: ComplaintQueries, @Inject(LEDGER_CLOCK) clock: LedgerClock) {
    new Gauge({
      name: 'pi_ledger_complaints_overdue',
      help: 'Open complaints past their reply or resolution deadline (ledger clock), per department ("" for none) and severity',
      labelNames: ['department', 'severity'] as const,
      registers: [metrics.registry],
      async collect() {
        const counts = await complaints.overdueCounts(clock().toISOString()).catch(() => undefined);
        if (!counts) return;
        this.reset();
        for (const { department, severity, n } of counts) this.set({ department, severity }, n);
        if (counts.length === 0) this.set({ department: '', severity: '' }, 0);
      },
    });
  }
}
