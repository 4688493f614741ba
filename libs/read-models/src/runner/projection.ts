import { PoolClient } from 'pg';
import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';

/**
 * A named, versioned projection. The runner hands it batches of events in global order inside a
 * transaction that also moves its checkpoint, so a batch is applied wholly or not at all.
 *
 * Its tables live as generations: the physical table `<table>__g<n>` behind a view `<table>`.
 * Projections write through `batch.table(name)` (the generation being built) and queries read the
 * view, so a rebuild can fill generation n+1 while n serves, then switch the views atomically.
 *
 * `apply` must be idempotent: applying an event a second time changes nothing (e.g. upserts
 * guarded by the stream version or position already applied).
 */
export interface Projection {
  readonly name: string;
  /** Bump when `apply` changes meaning: the runner then rebuilds into a new generation. */
  readonly version: number;
  /** Base names of the tables it owns (each must exist as `<table>__g1` and view `<table>`). */
  readonly tables: readonly string[];
  /** Event types it reads; others are skipped without a call. Absent: every event (the audit tree). */
  readonly eventTypes?: ReadonlySet<string>;
  /**
   * False: the runner hands it events without their data (`data` is `{}`), exactly as stored (see
   * `readGlobalBatch`). For projections of the envelope alone, such as the audit tree.
   */
  readonly readsData?: boolean;
  /**
   * Once caught up, wait this long after applying a batch before reading the next, so that batches
   * gather more events: fewer transactions per event, for that much more lag. Default 0.
   */
  readonly batchLingerMs?: number;
  /**
   * False: an event it cannot apply stops the whole projection (status `failed`) instead of
   * quarantining that event's stream. For projections that must see every event, such as the audit
   * tree. Default true.
   */
  readonly quarantines?: boolean;
  /** Applies the batch's events in order. The events are shared with the other projections read from the same batch: never changed. */
  apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void>;
  /**
   * Removes whatever the projection's tables hold of a stream, in the batch's transaction: called
   * when the stream is quarantined (a row that can no longer follow its stream must not be read,
   * nor keep data an erasure later in the stream would have purged) and before a replay rebuilds it.
   * Absent: the rows stay as they were when the stream was quarantined.
   */
  forgetStream?(batch: ProjectionBatch, streamId: string): Promise<void>;
}

/** Whether the projection takes this event (`eventTypes`). */
export function isRelevant(projection: Projection, event: RecordedEvent): boolean {
  return projection.eventTypes?.has(event.type) ?? true;
}

export function relevantEvents(projection: Projection, events: readonly RecordedEvent[]): readonly RecordedEvent[] {
  const types = projection.eventTypes;
  return types ? events.filter((event) => types.has(event.type)) : events;
}

export interface ProjectionBatch {
  /** The transaction: every write of the batch goes through it. */
  readonly client: PoolClient;
  /** Physical name of one of the projection's tables in the generation being written, quoted. */
  table(name: string): string;
}
