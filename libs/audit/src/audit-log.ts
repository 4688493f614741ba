import { LedgerClock, systemClock } from '@pi-ledger/platform/clock/ledger-clock';
import type { Pool, PoolClient } from 'pg';
import { validate as isUuid } from 'uuid';
import { inTransaction } from '@pi-ledger/platform/database/transaction';
import { AuditTreeCorrupt, eventNotInTree, invalidRange, invalidTreeSize, AuditError, treeSizeTooLarge } from './audit.errors';
import { hashesOfRanges, lockTree, Queryable, rootAt, treeSizeOf } from './audit-tree-storage';
import { consistencyRanges, inclusionRanges } from './merkle';
import { AuditPublicKey, SignedTreeHead, TreeHeadSigner } from './tree-head-signer';

/** One event's place in the audit tree. */
export interface AuditLeaf {
  leafIndex: number;
  position: number;
  eventId: string;
  /** Hex. */
  leafHash: string;
}

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  /** Hex, RFC 6962 order: the sibling nearest the leaf first. */
  auditPath: string[];
}

export interface ConsistencyProof {
  from: number;
  to: number;
  proof: string[];
}

interface LeafRow {
  leaf_index: string;
  position: string;
  event_id: string;
  leaf_hash: Buffer;
}

export interface HeadRow {
  tree_size: string;
  root_hash: Buffer;
  timestamp: Date;
  signature: Buffer;
  key_id: string;
}

const LEAF_COLUMNS = 'leaf_index::text AS leaf_index, position::text AS position, event_id, leaf_hash';
// text aliases shadow the columns in ORDER BY, where they would sort as strings: order by audit_tree_heads.<column>
export const HEAD_COLUMNS = 'tree_size::text AS tree_size, root_hash, "timestamp", signature, key_id';

/**
 * Reads of the audit trail for the API and the erasure certificates: leaves, signed tree heads,
 * inclusion and consistency proofs. Every proof is O(log n) node reads in one round trip.
 */
export class AuditLog {
  constructor(
    private readonly pool: Pool,
    private readonly signer: TreeHeadSigner,
    private readonly clock: LedgerClock = systemClock,
  ) {}

  publicKey(): AuditPublicKey {
    return this.signer.publicKey();
  }

  treeSize(): Promise<number> {
    return treeSizeOf(this.pool);
  }

  async latestTreeHead(db: Queryable = this.pool): Promise<SignedTreeHead | undefined> {
    const { rows } = await db.query<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM audit_tree_heads ORDER BY audit_tree_heads.tree_size DESC LIMIT 1`);
    return rows[0] && toHead(rows[0]);
  }

  async treeHead(treeSize: number): Promise<SignedTreeHead | undefined> {
    const { rows } = await this.pool.query<HeadRow>(`SELECT ${HEAD_COLUMNS} FROM audit_tree_heads WHERE tree_size = $1`, [checkedSize('treeSize', treeSize)]);
    return rows[0] && toHead(rows[0]);
  }

  /**
   * Signs the current tree size and root and stores the head; when the tree has not grown since the
   * last head, returns that head instead. Pass a client to do it inside your transaction (it takes
   * the tree lock until that transaction ends); by default it runs in a transaction of its own.
   */
  async createTreeHead(on: Pool | PoolClient = this.pool): Promise<SignedTreeHead> {
    if (isClient(on)) return this.createTreeHeadWithin(on);
    return inTransaction(on, (client) => this.createTreeHeadWithin(client));
  }

  async inclusionProof(eventId: string, treeSize?: number): Promise<InclusionProof> {
    const size = treeSize === undefined ? await this.latestSignedSize() : checkedSize('treeSize', treeSize);
    const leaf = await this.entry(eventId);
    if (!leaf) throw eventNotInTree(eventId);
    const current = await this.treeSize();
    if (size > current) throw treeSizeTooLarge(size, current);
    if (leaf.leafIndex >= size) throw eventNotInTree(eventId, size);
    const path = await hashesOfRanges(this.pool, inclusionRanges(leaf.leafIndex, size));
    return { leafIndex: leaf.leafIndex, treeSize: size, leafHash: leaf.leafHash, auditPath: path.map(hex) };
  }

  async consistencyProof(from: number, to: number): Promise<ConsistencyProof> {
    checkedSize('from', from);
    checkedSize('to', to);
    if (from > to) throw invalidRange(from, to);
    const current = await this.treeSize();
    if (to > current) throw treeSizeTooLarge(to, current);
    const proof = await hashesOfRanges(this.pool, consistencyRanges(from, to));
    return { from, to, proof: proof.map(hex) };
  }

  /** The root of the tree's first `treeSize` leaves (signed or not). */
  async rootAt(treeSize: number): Promise<string> {
    const size = checkedSize('treeSize', treeSize);
    const current = await this.treeSize();
    if (size > current) throw treeSizeTooLarge(size, current);
    return hex(await rootAt(this.pool, size));
  }

  async entry(eventId: string): Promise<AuditLeaf | undefined> {
    if (!isUuid(eventId)) return undefined;
    // through the log's event_id index to the leaf's position (audit_leaves has no index on event_id)
    const { rows } = await this.pool.query<LeafRow>(
      `SELECT ${LEAF_COLUMNS} FROM audit_leaves WHERE position = (SELECT position FROM ledger_events WHERE event_id = $1) AND event_id = $1`,
      [eventId],
    );
    return rows[0] && toLeaf(rows[0]);
  }

  async leafOf(position: number): Promise<AuditLeaf | undefined> {
    return (await this.leavesOf([position])).get(position);
  }

  /** Leaves by event position, for a page of audit entries at once; events not yet in the tree are absent. */
  async leavesOf(positions: readonly number[]): Promise<Map<number, AuditLeaf>> {
    const wanted = positions.filter((position) => Number.isSafeInteger(position));
    if (wanted.length === 0) return new Map();
    const { rows } = await this.pool.query<LeafRow>(`SELECT ${LEAF_COLUMNS} FROM audit_leaves WHERE position = ANY($1::bigint[])`, [wanted]);
    return new Map(rows.map((row) => [Number(row.position), toLeaf(row)]));
  }

  private async createTreeHeadWithin(client: PoolClient): Promise<SignedTreeHead> {
    await lockTree(client);
    const size = await treeSizeOf(client);
    const latest = await this.latestTreeHead(client);
    if (latest && latest.treeSize === size) return latest;
    if (latest && latest.treeSize > size) {
      throw new AuditTreeCorrupt(`the latest tree head has size ${latest.treeSize}, but the tree has only ${size} leaves`);
    }
    // a head never predates the one before it, even when the clock steps back
    const now = this.clock();
    const timestamp = latest && Date.parse(latest.timestamp) > now.getTime() ? new Date(latest.timestamp) : now;
    const head = this.signer.sign(size, await rootAt(client, size), timestamp);
    await client.query(`INSERT INTO audit_tree_heads (tree_size, root_hash, "timestamp", signature, key_id) VALUES ($1, $2, $3, $4, $5)`, [
      head.treeSize,
      Buffer.from(head.rootHash, 'hex'),
      timestamp,
      Buffer.from(head.signature, 'base64'),
      head.keyId,
    ]);
    return head;
  }

  private async latestSignedSize(): Promise<number> {
    const latest = await this.latestTreeHead();
    if (!latest) throw new AuditError('no-tree-head', 'no tree head has been signed yet');
    return latest.treeSize;
  }
}

export function toHead(row: HeadRow): SignedTreeHead {
  return {
    treeSize: Number(row.tree_size),
    rootHash: hex(row.root_hash),
    timestamp: row.timestamp.toISOString(),
    signature: row.signature.toString('base64'),
    keyId: row.key_id,
  };
}

function toLeaf(row: LeafRow): AuditLeaf {
  return { leafIndex: Number(row.leaf_index), position: Number(row.position), eventId: row.event_id, leafHash: hex(row.leaf_hash) };
}

function checkedSize(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidTreeSize(what, value);
  return value;
}

const hex = (hash: Buffer) => hash.toString('hex');
const isClient = (on: Pool | PoolClient): on is PoolClient => typeof (on as PoolClient).release === 'function';
