import type { PoolClient } from 'pg';
import { AuditTreeCorrupt } from './audit.errors';
import { foldRange, LeafRange, nodesOfRange, NodeRef } from './merkle';
import { frontierNodes } from './merkle-frontier';

/** A pool or a client: anything that runs a query. */
export type Queryable = Pick<PoolClient, 'query'>;

/**
 * pg_advisory_xact_lock key taken by whoever grows the tree or signs a head, so that a writer's
 * frontier and a signer's root are read from a tree nobody else is growing at that moment.
 */
export const AUDIT_TREE_LOCK = 7_263_537_101;

export async function lockTree(db: Queryable): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_TREE_LOCK]);
}

/** Leaves are numbered 0, 1, …: the size is the last index + 1, one index probe. */
export async function treeSizeOf(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ size: string }>('SELECT coalesce(max(leaf_index) + 1, 0)::text AS size FROM audit_leaves');
  return Number(rows[0].size);
}

/** The hashes of complete nodes, in the order asked, in one round trip (level 0 = the leaves). */
export async function readNodes(db: Queryable, refs: readonly NodeRef[]): Promise<Buffer[]> {
  if (refs.length === 0) return [];
  const leaves = refs.filter((ref) => ref.level === 0).map((ref) => ref.index);
  const inner = refs.filter((ref) => ref.level > 0);
  const { rows } = await db.query<{ level: number; node_index: string; hash: Buffer }>(
    `SELECT 0 AS level, leaf_index::text AS node_index, leaf_hash AS hash FROM audit_leaves WHERE leaf_index = ANY($1::bigint[])
     UNION ALL
     SELECT n.level, n.node_index::text, n.hash
       FROM unnest($2::int[], $3::bigint[]) AS wanted(level, node_index)
       JOIN audit_nodes n ON n.level = wanted.level AND n.node_index = wanted.node_index`,
    [leaves, inner.map((ref) => ref.level), inner.map((ref) => ref.index)],
  );
  const found = new Map(rows.map((row) => [`${row.level}/${row.node_index}`, row.hash]));
  return refs.map(({ level, index }) => {
    const hash = found.get(`${level}/${index}`);
    if (!hash) throw new AuditTreeCorrupt(`the audit tree lacks its node at level ${level}, index ${index}`);
    return hash;
  });
}

/** The MTH of each range (proof hashes), reading every node they need at once. */
export async function hashesOfRanges(db: Queryable, ranges: readonly LeafRange[]): Promise<Buffer[]> {
  const perRange = ranges.map((range) => nodesOfRange(range));
  const hashes = await readNodes(db, perRange.flat());
  let next = 0;
  return perRange.map((nodes) => foldRange(hashes.slice(next, (next += nodes.length))));
}

export async function rootAt(db: Queryable, treeSize: number): Promise<Buffer> {
  return foldRange(await readNodes(db, frontierNodes(treeSize)));
}
