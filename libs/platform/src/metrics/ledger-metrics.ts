import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** One registry per process (or per app in tests), so several apps never share counters. */
export class LedgerMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'pi_ledger_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly eventsAppended = new Counter({
    name: 'pi_ledger_events_appended_total',
    help: 'Events appended to the ledger',
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'pi_ledger_append_duration_seconds',
    help: 'Duration of one append to a stream',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pi_ledger_' });
  }

  appended(eventCount: number, seconds: number): void {
    this.eventsAppended.inc(eventCount);
    this.appendDuration.observe(seconds);
  }
}
