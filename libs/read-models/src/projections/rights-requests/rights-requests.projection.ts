import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { RightsRequestEvent, rightsRequestStream } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';
import { Projection, ProjectionBatch } from '../../runner/projection';

/** The queue compliance works from: one row per request, status and due date, no PI. */
export class RightsRequestsProjection implements Projection {
  readonly name = 'rights_requests';
  readonly version = 1;
  readonly tables = ['rights_requests'];
  readonly eventTypes = new Set<RightsRequestEvent['type']>([
    'RightsRequestFiled',
    'RightsRequestVerified',
    'RightsRequestExtended',
    'RightsRequestStarted',
    'RightsRequestFulfilled',
    'RightsRequestRejected',
  ]);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const { client } = batch;
    const t = batch.table('rights_requests');
    for (const recorded of events) {
      const event = recorded as unknown as RightsRequestEvent & { data: { requestId: string } };
      const at = recorded.recordedAt;
      if (event.type === 'RightsRequestFiled') {
        const d = event.data;
        await client.query(
          `INSERT INTO ${t} (request_id, subject_id, type, status, requester, received_at, due_at, updated_at, position)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (request_id) DO NOTHING`,
          [d.requestId, d.subjectId, d.requestType, d.status, d.requester.kind, d.receivedAt, d.dueAt, at, recorded.position],
        );
        continue;
      }
      const change =
        event.type === 'RightsRequestVerified'
          ? { status: 'verified' }
          : event.type === 'RightsRequestStarted'
            ? { status: 'in_progress' }
            : event.type === 'RightsRequestFulfilled'
              ? { status: 'fulfilled' }
              : event.type === 'RightsRequestRejected'
                ? { status: event.data.status }
                : { dueAt: event.data.dueAt };
      // position guard: a replayed event never moves the row back
      await client.query(
        `UPDATE ${t} SET status = coalesce($2, status), due_at = coalesce($3, due_at), extended = extended OR $3 IS NOT NULL, updated_at = $4, position = $5
          WHERE request_id = $1 AND position < $5`,
        [event.data.requestId, 'status' in change ? change.status : null, 'dueAt' in change ? change.dueAt : null, at, recorded.position],
      );
    }
  }

  /** A request's row goes with its quarantined stream, or before a merge's move restates it for the survivor. */
  async forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    const prefix = rightsRequestStream('');
    if (streamId.startsWith(prefix)) await batch.client.query(`DELETE FROM ${batch.table('rights_requests')} WHERE request_id = $1`, [streamId.slice(prefix.length)]);
  }
}

export interface RightsRequestRow {
  requestId: string;
  subjectId: string;
  type: string;
  status: string;
  requester: string;
  receivedAt: string;
  dueAt: string;
  extended: boolean;
  overdue: boolean;
}

const FINAL = ['fulfilled', 'rejected', 'failed_verification', 'canceled'];

@Injectable()
export class RightsRequestQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(filter: { status?: string; type?: string; overdue?: boolean; subjectId?: string; now: Date; limit: number }): Promise<RightsRequestRow[]> {
    const where: string[] = [];
    const params: unknown[] = [filter.now, FINAL];
    const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
    if (filter.status) add('status = ?', filter.status);
    if (filter.type) add('type = ?', filter.type);
    if (filter.subjectId) add('subject_id = ?', filter.subjectId);
    if (filter.overdue !== undefined) where.push(`${filter.overdue ? '' : 'NOT '}(due_at < $1 AND status <> ALL($2))`);
    const { rows } = await this.pool.query(
      `SELECT *, (due_at < $1 AND status <> ALL($2)) AS overdue FROM rights_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY due_at LIMIT ${Math.min(Math.max(filter.limit, 1), 500)}`,
      params,
    );
    return rows.map((r) => ({
      requestId: r.request_id,
      subjectId: r.subject_id,
      type: r.type,
      status: r.status,
      requester: r.requester,
      receivedAt: r.received_at.toISOString(),
      dueAt: r.due_at.toISOString(),
      extended: r.extended,
      overdue: r.overdue,
    }));
  }

  async overdueCount(now: Date): Promise<number> {
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM rights_requests WHERE due_at < $1 AND status <> ALL($2)`, [now, FINAL]);
    return rows[0].n;
  }
}
