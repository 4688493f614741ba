import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { MatchReason } from './match-keys';

export interface DuplicatePairRow {
  subjectIds: [string, string];
  reasons: MatchReason[];
  score: number;
}

export interface DuplicatePairSearch {
  /** Only pairs of which both customers are within a scoped caller's reach (assignment-scope.ts). Absent: every pair. */
  reach?: { departmentId: string | null; healthManagerId: string | null };
  /** Only pairs with this reason among theirs. */
  reason?: MatchReason;
  /** Only the pairs of this customer. */
  subjectId?: string;
  /** Keyset: pairs after this one in (score descending, first id, second id) order. */
  after?: { score: number; a: string; b: string };
  limit: number;
}

/** Reads of `duplicate_pairs`, best first. */
@Injectable()
export class DuplicateCandidateQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async page(search: DuplicatePairSearch): Promise<DuplicatePairRow[]> {
    const where = ['TRUE'];
    const params: unknown[] = [];
    const add = (value: unknown) => `$${params.push(value)}`;
    if (search.reason) where.push(`p.reasons @> ARRAY[${add(search.reason)}::text]`);
    if (search.subjectId) {
      const id = add(search.subjectId);
      where.push(`(p.subject_a = ${id} OR p.subject_b = ${id})`);
    }
    if (search.after) {
      const [score, a, b] = [add(search.after.score), add(search.after.a), add(search.after.b)];
      where.push(`(p.score < ${score} OR (p.score = ${score} AND (p.subject_a, p.subject_b) > (${a}, ${b})))`);
    }
    if (search.reach) {
      // NULL matches nothing: a scoped caller without a department reaches only its own customers
      const [department, manager] = [add(search.reach.departmentId), add(search.reach.healthManagerId)];
      for (const side of ['a', 'b']) {
        where.push(`EXISTS (SELECT FROM subject_profile s WHERE s.subject_id = p.subject_${side} AND (s.department_id = ${department} OR s.health_manager_id = ${manager}))`);
      }
    }
    const { rows } = await this.pool.query<{ subject_a: string; subject_b: string; reasons: MatchReason[]; score: number }>(
      `SELECT p.subject_a, p.subject_b, p.reasons, p.score FROM duplicate_pairs p
        WHERE ${where.join(' AND ')} ORDER BY p.score DESC, p.subject_a, p.subject_b LIMIT ${add(search.limit)}`,
      params,
    );
    return rows.map((row) => ({ subjectIds: [row.subject_a, row.subject_b], reasons: row.reasons, score: row.score }));
  }

  /** The pair as now proposed, if it is. */
  async pair(a: string, b: string): Promise<DuplicatePairRow | undefined> {
    const { rows } = await this.pool.query<{ reasons: MatchReason[]; score: number }>(`SELECT reasons, score FROM duplicate_pairs WHERE subject_a = $1 AND subject_b = $2`, [a, b]);
    return rows[0] && { subjectIds: [a, b], reasons: rows[0].reasons, score: rows[0].score };
  }
}
