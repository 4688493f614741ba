import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { GLOBAL_LOG } from '@pi-ledger/event-store/event-store.module';
import { GlobalLog } from '@pi-ledger/event-store/event-store.port';
import type { MergeObstacles, MergeSide } from '@pi-ledger/ledger-domain/subject/merge.decider';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { LegalHoldsService } from '../../rights/legal-holds/legal-holds.service';
import { OPEN_REQUEST_STATUSES } from './merge-records';

/**
 * What refuses a merge from outside the two files' streams: legal holds in force (a merge corrects the
 * one and shreds the other's keys) and erasure requests not yet closed, of either file (the duplicate's
 * other open requests and its records are carried over: merge-records.ts). Read models are read once
 * they have taken in the whole log as it stood when asked.
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
    await this.freshness.waitForCheckpoint(['rights_requests'], await this.log.headCheckpoint());
    const sides: Array<[MergeSide, string]> = [
      ['survivor', survivorId],
      ['duplicate', duplicateId],
    ];
    const legalHolds: MergeSide[] = [];
    for (const [side, subjectId] of sides) if ((await this.holds.retainedFor(subjectId, now)).length > 0) legalHolds.push(side);
    const { rows: erasures } = await this.pool.query<{ request_id: string }>(
      `SELECT request_id FROM rights_requests WHERE subject_id = ANY($1::text[]) AND status = ANY($2::text[]) AND type = 'erasure' ORDER BY request_id`,
      [[survivorId, duplicateId], OPEN_REQUEST_STATUSES],
    );
    return { legalHolds, pendingErasures: erasures.map((request) => request.request_id) };
  }
}
