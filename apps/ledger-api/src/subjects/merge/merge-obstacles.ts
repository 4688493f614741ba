import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { GLOBAL_LOG } from '@pi-ledger/event-store/event-store.module';
import { GlobalLog } from '@pi-ledger/event-store/event-store.port';
import type { MergeObstacles, MergeSide } from '@pi-ledger/ledger-domain/subject/merge.decider';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { LegalHoldsService } from '../../rights/legal-holds/legal-holds.service';

/** The kinds of records kept in streams of their own, by the read model (projection and table) that lists a customer's. */
export const RECORD_KINDS = [
  { kind: 'checkup', table: 'checkup_visits' },
  { kind: 'service', table: 'service_records' },
  { kind: 'follow_up', table: 'follow_up_tasks' },
  { kind: 'follow_up_plan', table: 'follow_up_plans' },
  { kind: 'order', table: 'orders' },
  { kind: 'complaint', table: 'complaints' },
  { kind: 'survey', table: 'survey_responses' },
  { kind: 'message', table: 'outbox_messages' },
] as const;

const OPEN_STATUSES = ['received', 'verified', 'in_progress'];

/**
 * What refuses a merge from outside the two files' streams: legal holds in force (a merge corrects the
 * one and shreds the other's keys), rights requests not yet closed, records of the duplicate. Read
 * models are read once they have taken in the whole log as it stood when asked.
 */
@Injectable()
export class MergeObstaclesFinder {
  constructor(
    private readonly holds: LegalHoldsService,
    private readonly freshness: ProjectionFreshness,
    @Inject(GLOBAL_LOG) private readonly log: GlobalLog,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async of(survivorId: string, duplicateId: string, now: Date): Promise<MergeObstacles> {
    await this.freshness.waitForCheckpoint(['rights_requests', ...RECORD_KINDS.map((kind) => kind.table)], await this.log.headCheckpoint());
    const sides: Array<[MergeSide, string]> = [
      ['survivor', survivorId],
      ['duplicate', duplicateId],
    ];
    const legalHolds: MergeSide[] = [];
    for (const [side, subjectId] of sides) if ((await this.holds.retainedFor(subjectId, now)).length > 0) legalHolds.push(side);
    const { rows: requests } = await this.pool.query<{ request_id: string; subject_id: string; type: string }>(
      `SELECT request_id, subject_id, type FROM rights_requests WHERE subject_id = ANY($1::text[]) AND status = ANY($2::text[]) ORDER BY request_id`,
      [[survivorId, duplicateId], OPEN_STATUSES],
    );
    const kinds = RECORD_KINDS.map(({ kind, table }) => `SELECT '${kind}'::text AS kind FROM ${table} WHERE subject_id = $1 LIMIT 1`);
    const { rows: records } = await this.pool.query<{ kind: string }>(kinds.map((sql) => `(${sql})`).join(' UNION ALL '), [duplicateId]);
    return {
      legalHolds,
      pendingErasures: requests.filter((request) => request.type === 'erasure').map((request) => request.request_id),
      openRequests: requests.filter((request) => request.type !== 'erasure' && request.subject_id === duplicateId).map((request) => request.request_id),
      records: records.map((record) => record.kind),
    };
  }
}
