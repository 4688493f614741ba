/**
 * The event store's ports: `EventStore` (streams, for command handlers) and `GlobalLog` (the ordered
 * global log, for projections and the audit tree). Every adapter (PostgreSQL here; KurrentDB as the
 * scale-out option) must pass `event-store.contract-spec.ts`, which uses nothing but these ports.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const LEGAL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interest', 'public_interest', 'public_data', 'other_law'] as const;
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
  /** The import job and the row of its file this event came from (issue #15): the row's trace and its idempotency key. */
  importJobId?: string;
  importRow?: number;
}

/**
 * An event as the domain decides it: a type and its data, nothing about where it is stored. A
 * stream's events are a union of these (e.g. `SubjectEvent`); the store's methods are generic in
 * it, so reads and appends are typed without casts.
 */
export interface DomainEvent<Type extends string = string, Data extends object = JsonObject> {
  readonly type: Type;
  readonly data: Data;
}

/** Any event, whatever its data's type: the bound of the ports' generics. */
export type AnyDomainEvent = DomainEvent<string, object>;

/** What an append takes: the domain event plus its envelope. */
export type NewEvent<E extends AnyDomainEvent = DomainEvent> = E & {
  /** UUIDv7; generated when absent. Supplying it makes the append idempotent. */
  eventId?: string;
  /** Defaults to 1. */
  schemaVersion?: number;
  metadata: EventMetadata;
};

/** Where a reader of the global log stands: the last event it has seen, in global order. */
export interface GlobalCheckpoint {
  readonly transactionId: number;
  readonly position: number;
}

export const BEGINNING: GlobalCheckpoint = Object.freeze({ transactionId: 0, position: 0 });

/** Where and when an event was stored, and by whom. */
export interface RecordedEnvelope {
  eventId: string;
  schemaVersion: number;
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

/** A stored event: the domain event (upcast to its current schema) and its envelope. */
export type RecordedEvent<E extends AnyDomainEvent = DomainEvent> = E & RecordedEnvelope;

/**
 * `any`: no check. `no_stream`: the stream must not exist. `stream_exists`: it must.
 * A number: the stream's current version must be exactly that (0 = absent).
 */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

/** What every adapter understands; an adapter may take more (PostgresAppendOptions). */
export interface AppendOptions {
  expectedVersion?: ExpectedVersion;
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

/**
 * The write side's port: streams, read and appended with an expected version. Generic per call in
 * the stream's event union; `Options` is what the adapter takes beyond AppendOptions.
 */
export interface EventStore<Options extends AppendOptions = AppendOptions> {
  appendToStream<E extends AnyDomainEvent>(streamId: string, events: readonly NewEvent<E>[], options?: Options): Promise<AppendResult>;
  /** The stream's events as `E` (upcast to the current schema); the caller names the stream's union. */
  readStream<E extends AnyDomainEvent = DomainEvent>(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent<E>[]>;
  /** The stream's current version; 0 when it does not exist. */
  streamVersion(streamId: string): Promise<number>;
}

export interface GlobalBatchOptions {
  /**
   * False: the events come without their data (`data` is `{}`) and exactly as stored, never
   * upcast; everything else, the payload digest included, is there. For readers that commit to
   * the envelope only (the audit tree): the data is most of a row, to send and to parse.
   */
  data?: boolean;
}

export interface GlobalBatch {
  events: RecordedEvent[];
  /** True when committed events exist past the batch but wait behind an older running transaction. */
  heldBack: boolean;
}

/** Wake-ups when events were appended (in this process or, through the database, in another). */
export interface LogWakeups {
  /** Changes on every wake-up: take it before a read, then wait on it. */
  readonly generation: number;
  /** Resolves on the first wake-up after `sinceGeneration`, or after `timeoutMs`. */
  wait(sinceGeneration: number, timeoutMs: number): Promise<void>;
  /** Wakes every waiter now (a stop, a pause). */
  interrupt(): void;
}

/**
 * The read side's port: the global log in its one order, for projections, the audit tree and
 * read-your-writes. A reader never sees an event behind its checkpoint appear later.
 */
export interface GlobalLog {
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The next events after `from`, cut before any that an older running transaction may still precede. */
  readGlobalBatch(from: GlobalCheckpoint, maxCount: number, options?: GlobalBatchOptions): Promise<GlobalBatch>;
  /** Catches up from `from`, then stays live. */
  subscribeToAll(from?: GlobalCheckpoint, options?: SubscribeOptions): Subscription;
  /**
   * The checkpoint of the last event committed now, whether or not an older open transaction still
   * holds it back from readers: a projection that has passed it has taken in everything written so far.
   */
  headCheckpoint(): Promise<GlobalCheckpoint>;
  /** The checkpoint of the event at `position`, to ask whether a reader has reached it. */
  checkpointOf(position: number): Promise<GlobalCheckpoint | undefined>;
  readonly wakeups: LogWakeups;
}

export function compareCheckpoints(a: GlobalCheckpoint, b: GlobalCheckpoint): number {
  return a.transactionId - b.transactionId || a.position - b.position;
}
