import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import type { ReportFilters } from '@pi-ledger/read-models/projections/reports/report-queries';
import { eventMetadata, RequestContext } from '../application/request-context';

/** Who ran which report, over what and how: names, dates and filter values, never a customer. */
export interface ReportRun {
  type: 'ReportRun';
  data: {
    runId: string;
    report: string;
    actor: string;
    roles: string[];
    from: string;
    to: string;
    rows: string;
    columns: string | null;
    filters: ReportFilters;
    format: string;
    minCell: number;
    ranAt: string;
  };
}

export const REPORT_RUNS_STREAM = 'report-runs';

/**
 * Records each report run in the ledger (on the `report-runs` stream, in the audit tree like every
 * event) before the report leaves, so a run that cannot be recorded is not answered.
 */
@Injectable()
export class ReportRunRecorder {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async record(context: RequestContext, run: Omit<ReportRun['data'], 'runId' | 'actor' | 'roles'>): Promise<string> {
    const runId = uuidv7();
    const data: ReportRun['data'] = { runId, actor: context.actor.id, roles: [...context.actor.roles], ...run };
    await this.store.appendToStream<ReportRun>(REPORT_RUNS_STREAM, [{ eventId: runId, type: 'ReportRun', data, metadata: eventMetadata(context) }]);
    return runId;
  }
}
