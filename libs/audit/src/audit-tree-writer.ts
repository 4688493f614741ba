import type { PoolClient } from 'pg';
import { BEGINNING, compareCheckpoints, GlobalCheckpoint, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { AuditTreeCorrupt } from './audit.errors';
import { lockTree, readNodes } from './audit-tree-storage';
import { commitmentOf, leafHash } from './commitment';
import { frontierNodes, MerkleFrontier } from './merkle-frontier';

/**
 * Grows the audit tree by a batch of events, inside the caller's transaction (the projection
 * runner moves its checkpoint in the same one). Events must come in global order and exactly as
 * stored (no upcasters): leaf i commits to the i-th event of the log.
 *
 * The tree cannot be repaired once written, so the writer refuses what would break that rule for
 * good: events out of order, or new events that do not directly follow the last leaf in the log
 * (one skipped by the caller, say). Events already in the tree are skipped, so replaying a batch
 * changes nothing.
 *
 * Per call, whatever the batch size: an advisory lock; one read of the tree size, the last leaf's
 * place in the log and which of the batch's events at or before it are leaves already; one count of the log between that place
 * and the batch's last event; one read of the O(log n) frontier nodes; one INSERT of all new
 * leaves and nodes.
 */
export class AuditTreeWriter {
  async append(client: PoolClient, events: readonly RecordedEvent[]): Promise<{ treeSize: number }> {
    assertGlobalOrder(events);
    await lockTree(client);
    // Only events at or before the last leaf in global order can be in the tree already (it is a
    // prefix of the log): those alone are looked up, usually none, instead of one probe per event.
    const { rows } = await client.query<{ size: string; present: string[]; last_position: string | null; last_transaction_id: string | null }>(
      `WITH last AS (
         SELECT l.position, e.transaction_id
           FROM (SELECT position FROM audit_leaves ORDER BY audit_leaves.leaf_index DESC LIMIT 1) l
           LEFT JOIN ledger_events e ON e.position = l.position
       )
       SELECT (SELECT coalesce(max(leaf_index) + 1, 0) FROM audit_leaves)::text AS size,
              ARRAY(SELECT a.position::text FROM audit_leaves a
                     WHERE a.position = ANY (ARRAY(SELECT b.p FROM unnest($1::xid8[], $2::bigint[]) AS b(t, p), last
                                                    WHERE (b.t, b.p) <= (last.transaction_id, last.position)))) AS present,
              (SELECT position::text FROM last) AS last_position,
              (SELECT transaction_id::text FROM last) AS last_transaction_id`,
      [events.map((event) => String(event.checkpoint.transactionId)), events.map((event) => event.position)],
    );
    const size = Number(rows[0].size);
    const present = new Set(rows[0].present.map(Number));
    const fresh = events.filter((event) => !present.has(event.position));
    if (fresh.length === 0) return { treeSize: size };
    await assertFollowsTree(client, size, rows[0], fresh);

    const frontier = MerkleFrontier.restore(size, await readNodes(client, frontierNodes(size)));
    const leaves = { index: [] as number[], position: [] as number[], eventId: [] as string[], hash: [] as Buffer[] };
    const nodes = { level: [] as number[], index: [] as number[], hash: [] as Buffer[] };
    const completed = (level: number, index: number, hash: Buffer) => {
      nodes.level.push(level);
      nodes.index.push(index);
      nodes.hash.push(hash);
    };
    for (const event of fresh) {
      const hash = leafHash(commitmentOf(event));
      leaves.index.push(frontier.size);
      leaves.position.push(event.position);
      leaves.eventId.push(event.eventId);
      leaves.hash.push(hash);
      frontier.append(hash, completed);
    }

    await client.query(
      `WITH leaves AS (
         INSERT INTO audit_leaves (leaf_index, position, event_id, leaf_hash)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::uuid[], $4::bytea[])
       )
       INSERT INTO audit_nodes (level, node_index, hash)
       SELECT * FROM unnest($5::int[], $6::bigint[], $7::bytea[])`,
      [leaves.index, leaves.position, leaves.eventId, leaves.hash, nodes.level, nodes.index, nodes.hash],
    );
    return { treeSize: frontier.size };
  }
}

/**
 * The new events must be exactly the log's next events after the last leaf: the first one comes
 * after it, and the log holds no other event up to the last one (the batch is in order, so a count
 * settles it). The caller reads only settled events, so nothing in that stretch is still to commit.
 */
async function assertFollowsTree(
  client: PoolClient,
  size: number,
  last: { last_position: string | null; last_transaction_id: string | null },
  fresh: readonly RecordedEvent[],
): Promise<void> {
  if (size > 0 && last.last_transaction_id === null) {
    throw new AuditTreeCorrupt(`the event of the last leaf (position ${last.last_position}) is missing from the log: run ledger audit verify`);
  }
  const after: GlobalCheckpoint = size > 0 ? { transactionId: Number(last.last_transaction_id), position: Number(last.last_position) } : BEGINNING;
  const [first, final] = [fresh[0], fresh[fresh.length - 1]];
  if (compareCheckpoints(first.checkpoint, after) <= 0) {
    throw new RangeError(`audit tree: position ${first.position} comes before the last leaf (position ${after.position}) in global order`);
  }
  const { rows } = await client.query<{ count: string }>(
    `SELECT count(*)::text AS count FROM ledger_events
      WHERE (transaction_id, position) > ($1::xid8, $2::bigint) AND (transaction_id, position) <= ($3::xid8, $4::bigint)`,
    [String(after.transactionId), after.position, String(final.checkpoint.transactionId), final.position],
  );
  if (Number(rows[0].count) !== fresh.length) {
    throw new RangeError(
      `audit tree: the log holds ${Number(rows[0].count) - fresh.length} event(s) between the last leaf (position ${after.position}) ` +
        `and position ${final.position} that the batch skips; every event must become a leaf, in order`,
    );
  }
}

/** A batch out of order would commit the wrong leaf at an index for good: refuse it. */
function assertGlobalOrder(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    if (compareCheckpoints(events[i - 1].checkpoint, events[i].checkpoint) >= 0) {
      throw new RangeError(`audit tree: events must come in global order, without repeats (position ${events[i].position} follows position ${events[i - 1].position})`);
    }
  }
}
