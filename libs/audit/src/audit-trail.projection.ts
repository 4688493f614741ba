import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { Projection, ProjectionBatch } from '@pi-ledger/read-models/runner/projection';
import { AuditLog } from './audit-log';
import { AuditTreeWriter } from './audit-tree-writer';

/**
 * The RFC 6962 tree over the whole log, maintained by the projection runner: every event becomes
 * a leaf in global order, in the same transaction as the runner's checkpoint, and a signed tree
 * head is added every `headEvery` leaves (a scheduler signs on a timer as well). It owns no
 * generation tables: a rebuild replays the log and the writer skips leaves it already has.
 */
export class AuditTrailProjection implements Projection {
  readonly name = 'audit_trail';
  readonly version = 1;
  readonly tables: readonly string[] = [];
  /** A leaf commits to the data through its digest alone, which comes with the envelope. */
  readonly readsData = false;
  /**
   * Each batch costs a transaction with the tree lock, the writer's reads and an INSERT whatever its
   * size; under a steady write load, waiting this long once caught up makes batches of many events
   * instead of a handful, so the tree takes less from the appends it follows (bench:audit (d)).
   */
  readonly batchLingerMs = 100;
  /** A tree that skipped a stream's events would no longer cover the log: an event it cannot take stops it. */
  readonly quarantines = false;

  constructor(
    private readonly writer: AuditTreeWriter,
    private readonly log: AuditLog,
    private readonly headEvery = 1000,
  ) {}

  async apply({ client }: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const { treeSize } = await this.writer.append(client, events);
    const head = await this.log.latestTreeHead(client);
    if (treeSize - (head?.treeSize ?? 0) >= this.headEvery) await this.log.createTreeHead(client);
  }
}
