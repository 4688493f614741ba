import type { Pool } from 'pg';
import { HeadRow, HEAD_COLUMNS, toHead } from './audit-log';
import type { SignedTreeHead } from './tree-head-signer';

/**
 * The stored tree heads in size order, loaded a stretch at a time as the verifier's tree grows, so
 * a ledger with millions of heads never holds them all. Heads of equal size (which the primary key
 * forbids, unless someone dropped it) stay together.
 */
export class TreeHeadQueue {
  private queue: SignedTreeHead[] = [];
  private loadedThrough = -1;

  constructor(private readonly pool: Pool) {}

  /** Loads every head of size ≤ `size` not loaded yet. */
  async load(size: number): Promise<void> {
    if (size <= this.loadedThrough) return;
    const { rows } = await this.pool.query<HeadRow>(
      `SELECT ${HEAD_COLUMNS} FROM audit_tree_heads WHERE tree_size > $1 AND tree_size <= $2 ORDER BY audit_tree_heads.tree_size, audit_tree_heads.signature`,
      [this.loadedThrough, size],
    );
    this.queue.push(...rows.map(toHead));
    this.loadedThrough = size;
  }

  /** Removes and returns the loaded heads of exactly `size`. */
  takeAt(size: number): SignedTreeHead[] {
    let count = 0;
    while (count < this.queue.length && this.queue[count].treeSize === size) count++;
    return count === 0 ? [] : this.queue.splice(0, count);
  }

  /** The first head larger than `size`, loaded or not. */
  async firstBeyond(size: number): Promise<SignedTreeHead | undefined> {
    const loaded = this.queue.find((head) => head.treeSize > size);
    if (loaded) return loaded;
    const { rows } = await this.pool.query<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM audit_tree_heads WHERE tree_size > $1 ORDER BY audit_tree_heads.tree_size LIMIT 1`, [
      Math.max(size, this.loadedThrough),
    ]);
    return rows[0] && toHead(rows[0]);
  }
}
