/**
 * The EventStore port. Every adapter (PostgreSQL here; KurrentDB as the scale-out option) must pass
 * `event-store.contract-spec.ts`.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const LEGAL_BASES = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interest',
  'public_interest',
  'public_data',
  'other_law',
] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** Who did it, in which role, why and under which legal basis; how the event came about. */
export interface EventMetadata {
  actor: string;
  roles: string[];
  purposeId?: string;
  legalBasis?: LegalBasis;
  correlationId: string;
  causationId?: string;
  idempotencyKey?: string;
}

export interface NewEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  /** UUIDv7; generated when absent. Supplying it makes the append idempotent. */
  eventId?: string;
  type: Type;
  /** Defaults to 1. */
  schemaVersion?: number;
  data: Data;
  metadata: EventMetadata;
}

/** Where a reader of the global log stands: the last event it has seen, in global order. */
export interface GlobalCheckpoint {
  readonly transactionId: number;
  readonly position: number;
}

export const BEGINNING: GlobalCheckpoint = Object.freeze({ transactionId: 0, position: 0 });

export interface RecordedEvent<Type extends string = string, Data extends JsonObject = JsonObject> {
  eventId: string;
  type: Type;
  schemaVersion: number;
  data: Data;
  metadata: EventMetadata;
  recordedAt: Date;
  streamId: string;
  /** 1 for a stream's first event. */
  streamVersion: number;
  /** Unique and durable; global order is (checkpoint.transactionId, position). */
  position: number;
  checkpoint: GlobalCheckpoint;
  /** Hex SHA-256 of the RFC 8785 canonical JSON of `data` as stored (before upcasting). */
  payloadDigest: string;
}

/**
 * `any`: no check. `no_stream`: the stream must not exist. `stream_exists`: it must.
 * A number: the stream's current version must be exactly that (0 = absent).
 */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  expectedVersion?: ExpectedVersion;
  /** A row inserted by the append's own statement: only when the append is accepted, committed with the events or not at all. */
  alongside?: AlongsideInsert;
}

/**
 * One row for another table, written by the statement that appends the events: inserted only when
 * the expected version holds, and rolled back with them. Needs at least one event to gate it on.
 */
export interface AlongsideInsert {
  /** Names the statement shape (prepared-statement name suffix): the same name must always come with the same `into` and `types`. /^[a-z][a-z0-9_-]{0,40}$/ */
  name: string;
  /** Table and columns, e.g. `vault_subject_keys (subject_id, kek_id, categories)`: code, never input. */
  into: string;
  /** The SQL type of each value, e.g. ['text', 'text', 'text[]', 'uuid[]', 'bytea[]']. */
  types: readonly string[];
  values: readonly unknown[];
}

export interface AppendResult {
  /** The stream's version after the append: pass it as the next expectedVersion. */
  nextExpectedVersion: number;
  /** Position of the last event written (or, for a replayed append, originally written). */
  position: number;
}

export type ReadDirection = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: ReadDirection;
  /** Inclusive. Forwards defaults to 1, backwards to the last version. */
  fromVersion?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events after this checkpoint. */
  from?: GlobalCheckpoint;
  maxCount?: number;
}

export interface SubscribeOptions {
  /** Events fetched per read; at most this many wait unconsumed in memory. */
  batchSize?: number;
}

/**
 * A live, pull-driven read of the global log: it fetches the next batch only when the consumer has
 * taken the previous one, so a slow consumer slows the reads instead of filling memory.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  stop(): Promise<void>;
}

export interface EventStore {
  appendToStream(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The stream's current version; 0 when it does not exist. */
  streamVersion(streamId: string): Promise<number>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catches up from `from`, then stays live. */
  subscribeToAll(from?: GlobalCheckpoint, options?: SubscribeOptions): Subscription;
  /** The checkpoint of the last event a reader of the global log can see now. */
  headCheckpoint(): Promise<GlobalCheckpoint>;
  /** The checkpoint of the event at `position`, to ask whether a reader has reached it. */
  checkpointOf(position: number): Promise<GlobalCheckpoint | undefined>;
  close(): Promise<void>;
}

export function compareCheckpoints(a: GlobalCheckpoint, b: GlobalCheckpoint): number {
  return a.transactionId - b.transactionId || a.position - b.position;
}
