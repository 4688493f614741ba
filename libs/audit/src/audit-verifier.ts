import type { KeyObject } from 'node:crypto';
import type { Pool } from 'pg';
import { BEGINNING, GlobalCheckpoint, GlobalLog, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { payloadDigest } from '@pi-ledger/event-store/payload-digest';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { hashesOfRanges } from './audit-tree-storage';
import { AuditFailure, failure } from './audit-failure';
import { commitmentOf, leafHash } from './commitment';
import { consistencyRanges, verifyConsistency } from './merkle';
import { MerkleFrontier } from './merkle-frontier';
import { keyIdOf, SignedTreeHead, verifyTreeHeadSignature } from './tree-head-signer';
import { TreeHeadQueue } from './tree-head-queue';

export type { AuditFailure, AuditFailureCode } from './audit-failure';

export interface AuditVerifyOptions {
  /** Events read and checked per round trip. */
  batchSize?: number;
  /**
   * Accept events at the end of the log that are not in the tree yet (the projection lags a live
   * ledger). Off by default: then the leaf count must equal the event count.
   */
  allowPending?: boolean;
  /** Keys whose tree heads are accepted; default: the ledger's audit key. Several after a rotation. */
  publicKeys?: readonly KeyObject[];
  /** After each batch: events checked so far and the number of events when the run started. */
  onProgress?: (checked: number, total: number) => void;
  /** How long to wait for a transaction that holds later events back before giving up. */
  heldBackTimeoutMs?: number;
}

export interface AuditVerification {
  ok: boolean;
  /** Events whose digest (and leaf, when they have one) were checked. */
  events: number;
  leaves: number;
  /** Events at the end of the log without a leaf (only with allowPending). */
  pendingEvents: number;
  treeHeads: number;
  latestTreeHead?: SignedTreeHead;
  /** The first problem, in log order; absent when ok. */
  failure?: AuditFailure;
}

interface StoredLeaf {
  position: number;
  eventId: string;
  hash: Buffer;
}

interface NodeBatch {
  level: number[];
  index: number[];
  hash: Buffer[];
}

/**
 * Recomputes the audit trail from the event log and compares it with what is stored: each event's
 * payload digest, each leaf, each complete node, each signed tree head (root, key, signature) and
 * the consistency of consecutive heads. Streams in global order with O(batch + log n) memory and
 * stops at the first problem, naming its leaf index and event position.
 */
export class AuditVerifier {
  constructor(
    private readonly pool: Pool,
    private readonly auditKey: KeyObject,
  ) {}

  async verify(options: AuditVerifyOptions = {}): Promise<AuditVerification> {
    // an event store of its own, without upcasters: the tree commits to events as stored
    const store = new PostgresEventStore(this.pool);
    try {
      return await new VerificationRun(this.pool, store, options.publicKeys ?? [this.auditKey], options).run();
    } finally {
      await store.close();
    }
  }
}

class VerificationRun {
  private readonly frontier = new MerkleFrontier();
  private readonly heads: TreeHeadQueue;
  private readonly keys: Map<string, KeyObject>;
  private readonly batchSize: number;
  /** Global index of the next event = events checked so far. */
  private index = 0;
  /** Global index of the first event found without a leaf, once one is. */
  private firstPending?: { index: number; event: RecordedEvent };
  private headsChecked = 0;
  private lastHead?: SignedTreeHead;
  /** Heads verified in the current batch, to check for consistency with their predecessor. */
  private headPairs: [SignedTreeHead, SignedTreeHead][] = [];

  constructor(
    private readonly pool: Pool,
    private readonly store: GlobalLog,
    publicKeys: readonly KeyObject[],
    private readonly options: AuditVerifyOptions,
  ) {
    this.heads = new TreeHeadQueue(pool);
    this.keys = new Map(publicKeys.map((key) => [keyIdOf(key), key]));
    this.batchSize = Math.min(Math.max(options.batchSize ?? 1000, 1), 10_000);
  }

  async run(): Promise<AuditVerification> {
    const total = await this.eventCount();
    await this.heads.load(0);
    const empty = this.checkHeadsAt(0);
    if (empty) return this.result(empty);
    let from: GlobalCheckpoint = BEGINNING;
    let batch = await this.readBatch(from);
    for (;;) {
      if (batch.length === 0) {
        const endFailure = await this.checkEnd(from);
        if (endFailure === 'more') {
          batch = await this.readBatch(from);
          continue;
        }
        return this.result(endFailure);
      }
      from = batch[batch.length - 1].checkpoint;
      const next = this.readBatch(from);
      next.catch(() => undefined); // awaited below unless we stop first
      const problem = await this.checkBatch(batch);
      this.options.onProgress?.(this.index, Math.max(total, this.index));
      if (problem) return this.result(problem);
      batch = await next;
    }
  }

  private async checkBatch(events: RecordedEvent[]): Promise<AuditFailure | undefined> {
    const start = this.index;
    const [stored] = await Promise.all([this.storedLeaves(start, events.length), this.heads.load(start + events.length)]);
    const nodes: NodeBatch = { level: [], index: [], hash: [] };
    const completed = (level: number, index: number, hash: Buffer) => {
      nodes.level.push(level);
      nodes.index.push(index);
      nodes.hash.push(hash);
    };
    this.headPairs = [];
    for (const [offset, event] of events.entries()) {
      const problem = (await this.checkEvent(event, stored[offset], completed)) ?? this.checkHeadsAt(this.frontier.size);
      if (problem) return problem;
    }
    return (await this.checkNodes(nodes)) ?? (await this.checkConsistency());
  }

  private async checkEvent(
    event: RecordedEvent,
    stored: StoredLeaf | undefined,
    completed: (level: number, index: number, hash: Buffer) => void,
  ): Promise<AuditFailure | undefined> {
    const at = { leafIndex: this.index, position: event.position, eventId: event.eventId };
    if (payloadDigest(event.data).toString('hex') !== event.payloadDigest) {
      return failure('payload-digest-mismatch', at, 'the stored payload digest is not the SHA-256 of the canonical JSON of its data');
    }
    if (!stored) {
      this.firstPending ??= { index: this.index, event };
      this.index++;
      if (this.options.allowPending) return undefined;
      return failure('event-not-in-tree', at, `the event has no leaf: the audit tree ends at ${this.frontier.size} leaves`);
    }
    if (this.firstPending) {
      const { index, event: missing } = this.firstPending;
      return failure('leaf-missing', { leafIndex: index, position: missing.position, eventId: missing.eventId }, `no leaf ${index}, yet leaf ${this.index} exists`);
    }
    if (stored.position !== event.position) return this.misplaced(event, stored);
    if (stored.eventId !== event.eventId) {
      return failure('leaf-mismatch', at, `leaf ${this.index} commits to event id ${stored.eventId}, but the event at position ${event.position} has id ${event.eventId}`);
    }
    const leaf = leafHash(commitmentOf(event));
    if (!leaf.equals(stored.hash)) {
      return failure('leaf-mismatch', at, 'the leaf recomputed from the event (its metadata, ids, type, time or digest) differs from the stored leaf');
    }
    this.frontier.append(leaf, completed);
    this.index++;
    return undefined;
  }

  /** Leaf i is for another position than event i: an event was deleted, or one inserted or moved. */
  private async misplaced(event: RecordedEvent, stored: StoredLeaf): Promise<AuditFailure> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM ledger_events WHERE position = $1', [stored.position]);
    if (!rowCount) {
      return failure(
        'event-missing',
        { leafIndex: this.index, position: stored.position, eventId: stored.eventId },
        `leaf ${this.index} commits to the event at position ${stored.position}, which is no longer in the log`,
      );
    }
    return failure(
      'event-unexpected',
      { leafIndex: this.index, position: event.position, eventId: event.eventId },
      `the log has position ${event.position} where leaf ${this.index} commits to position ${stored.position}: an event was inserted or the order changed`,
    );
  }

  /** Every head of exactly `size` leaves: one only, rooted at our root, signed by a known key. */
  private checkHeadsAt(size: number): AuditFailure | undefined {
    const heads = this.heads.takeAt(size);
    if (heads.length === 0) return undefined;
    const at = { treeSize: size };
    if (heads.length > 1) {
      const roots = [...new Set(heads.map((head) => head.rootHash))];
      return failure('tree-head-duplicate-size', at, `${heads.length} tree heads have size ${size} (${roots.length} different roots)`);
    }
    const [head] = heads;
    const key = this.keys.get(head.keyId);
    if (!key) return failure('tree-head-unknown-key', at, `the tree head of size ${size} names key ${head.keyId}, not the audit key (${[...this.keys.keys()].join(', ')})`);
    if (!verifyTreeHeadSignature(head, key)) return failure('tree-head-signature-invalid', at, `the signature of the tree head of size ${size} does not verify`);
    if (head.rootHash !== this.frontier.root().toString('hex')) {
      return failure('tree-head-root-mismatch', at, `the signed root of size ${size} differs from the root recomputed from the log: history was rewritten after it was signed`);
    }
    if (this.lastHead && this.lastHead.treeSize > 0) this.headPairs.push([this.lastHead, head]);
    this.lastHead = head;
    this.headsChecked++;
    return undefined;
  }

  /** The stored nodes completed by this batch's leaves: proofs are built from them. */
  private async checkNodes(nodes: NodeBatch): Promise<AuditFailure | undefined> {
    if (nodes.level.length === 0) return undefined;
    const { rows } = await this.pool.query<{ level: number; node_index: string; hash: Buffer | null }>(
      `SELECT wanted.level, wanted.node_index::text AS node_index, n.hash
         FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS wanted(level, node_index, ord)
         LEFT JOIN audit_nodes n ON n.level = wanted.level AND n.node_index = wanted.node_index
        ORDER BY wanted.ord`,
      [nodes.level, nodes.index],
    );
    for (const [i, row] of rows.entries()) {
      if (row.hash && row.hash.equals(nodes.hash[i])) continue;
      const width = 2 ** row.level;
      const first = Number(row.node_index) * width;
      const what = `the stored node at level ${row.level}, index ${row.node_index} (leaves ${first} to ${first + width - 1})`;
      return failure(row.hash ? 'node-mismatch' : 'node-missing', { leafIndex: first }, row.hash ? `${what} differs from the recomputed one` : `${what} is missing`);
    }
    return undefined;
  }

  /** Each head's tree extends the one before: an RFC 6962 consistency proof from stored nodes. */
  private async checkConsistency(): Promise<AuditFailure | undefined> {
    for (const [older, newer] of this.headPairs) {
      const proof = await hashesOfRanges(this.pool, consistencyRanges(older.treeSize, newer.treeSize));
      const [oldRoot, newRoot] = [Buffer.from(older.rootHash, 'hex'), Buffer.from(newer.rootHash, 'hex')];
      if (!verifyConsistency(older.treeSize, newer.treeSize, oldRoot, newRoot, proof)) {
        return failure('tree-head-inconsistent', { treeSize: newer.treeSize }, `the tree head of size ${newer.treeSize} is not consistent with the one of size ${older.treeSize}`);
      }
    }
    return undefined;
  }

  /**
   * The log is read to its end: no leaf may lie beyond it, nor any head. A leaf beyond may belong to
   * an event committed meanwhile ('more': read on); otherwise its event is gone.
   */
  private async checkEnd(from: GlobalCheckpoint): Promise<AuditFailure | undefined | 'more'> {
    const { rows } = await this.pool.query<{ leaf_index: string; position: string; event_id: string }>(
      `SELECT leaf_index::text, position::text, event_id FROM audit_leaves WHERE leaf_index >= $1 ORDER BY audit_leaves.leaf_index LIMIT 1`,
      [this.index],
    );
    if (rows[0]) {
      if ((await this.store.readGlobalBatch(from, 1)).events.length > 0) return 'more';
      const leafIndex = Number(rows[0].leaf_index);
      return failure(
        'event-missing',
        { leafIndex, position: Number(rows[0].position), eventId: rows[0].event_id },
        `leaf ${leafIndex} commits to the event at position ${rows[0].position}, but the log ends after ${this.index} events`,
      );
    }
    const beyond = await this.heads.firstBeyond(this.frontier.size);
    if (beyond) {
      return failure('tree-head-beyond-tree', { treeSize: beyond.treeSize }, `a tree head has size ${beyond.treeSize}, but the tree has ${this.frontier.size} leaves`);
    }
    return undefined;
  }

  private async storedLeaves(start: number, count: number): Promise<(StoredLeaf | undefined)[]> {
    const { rows } = await this.pool.query<{ leaf_index: string; position: string; event_id: string; leaf_hash: Buffer }>(
      `SELECT leaf_index::text, position::text, event_id, leaf_hash FROM audit_leaves
        WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY audit_leaves.leaf_index`,
      [start, start + count],
    );
    const leaves: (StoredLeaf | undefined)[] = new Array(count);
    for (const row of rows) leaves[Number(row.leaf_index) - start] = { position: Number(row.position), eventId: row.event_id, hash: row.leaf_hash };
    return leaves;
  }

  /** The next settled events; waits while an open transaction holds the next ones back. */
  private async readBatch(from: GlobalCheckpoint): Promise<RecordedEvent[]> {
    const deadline = Date.now() + (this.options.heldBackTimeoutMs ?? 30_000);
    for (;;) {
      const { events, heldBack } = await this.store.readGlobalBatch(from, this.batchSize);
      if (events.length > 0 || !heldBack) return events;
      if (Date.now() > deadline) throw new Error('events of the log are held back by a transaction that stays open; try again when it has ended');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async eventCount(): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>('SELECT count(*)::text AS count FROM ledger_events');
    return Number(rows[0].count);
  }

  private result(problem: AuditFailure | undefined): AuditVerification {
    const pendingEvents = this.firstPending ? this.index - this.firstPending.index : 0;
    return {
      ok: problem === undefined,
      events: this.index,
      leaves: this.frontier.size,
      pendingEvents,
      treeHeads: this.headsChecked,
      latestTreeHead: this.lastHead,
      failure: problem,
    };
  }
}
