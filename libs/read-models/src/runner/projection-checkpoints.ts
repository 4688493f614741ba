import { Pool, PoolClient } from 'pg';
import { BEGINNING, GlobalCheckpoint } from '@pi-ledger/event-store/event-store.port';
import { Projection } from './projection';

/** A projection's checkpoint to move over a batch with nothing for it. */
export interface Skip {
  name: string;
  generation: number;
  from: GlobalCheckpoint;
  to: GlobalCheckpoint;
}

export type ProjectionStatus = 'running' | 'paused' | 'failed';

export interface CheckpointRow {
  name: string;
  version: number;
  generation: number;
  status: ProjectionStatus;
  checkpoint: GlobalCheckpoint;
  lastError?: string;
  failedPosition?: number;
  updatedAt: Date;
}

const SELECT = `SELECT name, version, generation, status, transaction_id::text AS tx, position::text AS pos, last_error, failed_position::text AS failed, updated_at
  FROM projection_checkpoints`;

/** The bookkeeping rows of projections: SQL only, no policy. */
export class ProjectionCheckpoints {
  constructor(private readonly pool: Pool) {}

  /** First sight of a projection: a row at the beginning of the log, generation 1. */
  async register(projections: readonly Projection[]): Promise<void> {
    for (const projection of projections) {
      await this.pool.query(`INSERT INTO projection_checkpoints (name, version) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [projection.name, projection.version]);
    }
  }

  async all(): Promise<CheckpointRow[]> {
    return (await this.pool.query(`${SELECT} ORDER BY name`)).rows.map(toRow);
  }

  async get(name: string, client: Pool | PoolClient = this.pool, forUpdate = false): Promise<CheckpointRow | undefined> {
    const { rows } = await client.query(`${SELECT} WHERE name = $1${forUpdate ? ' FOR UPDATE' : ''}`, [name]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  async advance(client: PoolClient, name: string, checkpoint: GlobalCheckpoint): Promise<void> {
    await client.query(`UPDATE projection_checkpoints SET transaction_id = $2, position = $3, updated_at = now() WHERE name = $1`, [
      name,
      checkpoint.transactionId,
      checkpoint.position,
    ]);
  }

  /**
   * Moves checkpoints over batches holding nothing for their projections, in one statement for all
   * of them: each only from its `from`, in its `generation`, while running and while `owner` holds
   * its lease (what applyBatch checks under the row lock). Returns, per skip, whether it moved; false:
   * something changed meanwhile, read again.
   */
  async skip(owner: string, skips: readonly Skip[]): Promise<boolean[]> {
    const { rows } = await this.pool.query<{ name: string }>(
      `UPDATE projection_checkpoints c SET transaction_id = s.to_tx, position = s.to_pos, updated_at = now()
         FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS s(name, generation, from_tx, from_pos, to_tx, to_pos)
        WHERE c.name = s.name AND c.generation = s.generation AND c.status = 'running' AND (c.transaction_id, c.position) = (s.from_tx, s.from_pos)
          AND EXISTS (SELECT FROM projection_leases l WHERE l.name = s.name AND l.owner = $7 AND l.expires_at > now())
        RETURNING c.name`,
      [
        skips.map((skip) => skip.name),
        skips.map((skip) => skip.generation),
        skips.map((skip) => skip.from.transactionId),
        skips.map((skip) => skip.from.position),
        skips.map((skip) => skip.to.transactionId),
        skips.map((skip) => skip.to.position),
        owner,
      ],
    );
    const moved = new Set(rows.map((row) => row.name));
    return skips.map((skip) => moved.has(skip.name));
  }

  async fail(name: string, position: number, error: string, client: Pool | PoolClient = this.pool): Promise<void> {
    await client.query(`UPDATE projection_checkpoints SET status = 'failed', last_error = $2, failed_position = $3, updated_at = now() WHERE name = $1`, [
      name,
      error.slice(0, 2000),
      position,
    ]);
  }

  async setStatus(name: string, status: 'running' | 'paused'): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE projection_checkpoints SET status = $2, last_error = CASE WHEN $2 = 'running' THEN NULL ELSE last_error END,
         failed_position = CASE WHEN $2 = 'running' THEN NULL ELSE failed_position END, updated_at = now() WHERE name = $1`,
      [name, status],
    );
    return rowCount === 1;
  }

  /** Events in the log after the checkpoint (0 when caught up). */
  async lag(checkpoint: GlobalCheckpoint): Promise<number> {
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)`, [
      String(checkpoint.transactionId),
      checkpoint.position,
    ]);
    return rows[0].n;
  }

  /**
   * Takes or renews the lease of a projection for `owner`; true when it holds it afterwards.
   * An expired lease is taken over, so a killed worker's projections move on without it.
   */
  async lease(name: string, owner: string, ms: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO projection_leases (name, owner, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
        WHERE projection_leases.owner = EXCLUDED.owner OR projection_leases.expires_at < now()`,
      [name, owner, ms],
    );
    return rowCount === 1;
  }

  async release(owner: string): Promise<void> {
    await this.pool.query(`DELETE FROM projection_leases WHERE owner = $1`, [owner]);
  }
}

function toRow(row: Record<string, unknown>): CheckpointRow {
  const checkpoint = { transactionId: Number(row.tx), position: Number(row.pos) };
  return {
    name: row.name as string,
    version: row.version as number,
    generation: row.generation as number,
    status: row.status as ProjectionStatus,
    checkpoint: checkpoint.position === 0 && checkpoint.transactionId === 0 ? BEGINNING : checkpoint,
    ...(row.last_error ? { lastError: row.last_error as string } : {}),
    ...(row.failed ? { failedPosition: Number(row.failed) } : {}),
    updatedAt: row.updated_at as Date,
  };
}

export const physicalTable = (table: string, generation: number) => `"${table}__g${generation}"`;
