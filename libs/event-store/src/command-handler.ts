import { randomInt } from 'node:crypto';
import { AnyDomainEvent, AppendOptions, AppendResult, EventStore, NewEvent, RecordedEvent } from './event-store.port';
import { WrongExpectedVersion } from './event-store.errors';

/**
 * The one path every command of the ledger takes (after Emmett's `CommandHandler`): load the
 * stream, fold it, decide (pure), append with the version the decision was based on. A concurrent
 * writer makes it decide again on the new state, a bounded number of times with backoff and
 * jitter; then it gives up with ConcurrencyConflict. With an exact expected version (If-Match) a
 * moved stream is PreconditionFailed at once: the client's decision was based on what it read.
 */

/** Folding a stream into a decision's state. */
export interface StreamFold<State, E extends AnyDomainEvent> {
  initialState: () => State;
  evolve: (state: State, event: E) => State;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The first retry waits a random time up to this; each further one doubles it ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 200 };

/** What one attempt knows: the folded state, the version it is based on, and its number (1 for the first). */
export interface Attempt<State> {
  state: State;
  version: number;
  attempt: number;
}

/**
 * Turns decided events into what is appended (envelope, metadata, sealed PI) and may add the
 * adapter's own append options. `appended` runs once the append was accepted.
 */
export type PrepareAppend<State, E extends AnyDomainEvent, Options extends AppendOptions> = (
  events: readonly E[],
  attempt: Attempt<State>,
) => Promise<{ events: readonly NewEvent<AnyDomainEvent>[]; options?: Omit<Options, 'expectedVersion'>; appended?: () => void }>;

export interface HandleOptions<State, E extends AnyDomainEvent, Options extends AppendOptions> {
  /** The version the client read (If-Match): a moved stream is PreconditionFailed, never decided again. */
  expectedVersion?: number;
  prepare: PrepareAppend<State, E, Options>;
  /** An append error other than a version conflict that deciding again can settle (true: retry). */
  retryOn?: (error: unknown) => boolean;
  retry?: RetryPolicy;
  /** How the stream is read for a decision; default: every event folded (loadStream). */
  load?: (store: EventStore, streamId: string, fold: StreamFold<State, E>) => Promise<{ state: State; version: number; events: RecordedEvent<E>[] }>;
}

export interface HandledCommand<State, E extends AnyDomainEvent> {
  /** The state after the new events. */
  state: State;
  /** What was decided (nothing when the command changed nothing). */
  events: E[];
  /** The stream's version after the append: the next expected version (the ETag). */
  version: number;
  /** Global position of the last event appended; 0 when nothing was. */
  position: number;
  /** Every event of the stream before the new ones, as read for the decision. */
  before: RecordedEvent<E>[];
}

/** The stream moved after the client read it (If-Match): read again, decide again. */
export class PreconditionFailed extends Error {
  readonly code = 'precondition-failed';
  readonly details: { currentVersion: number };
  constructor(
    readonly streamId: string,
    readonly currentVersion: number,
  ) {
    super(`the resource is at version ${currentVersion}; read it again and retry`);
    this.name = 'PreconditionFailed';
    this.details = { currentVersion };
  }
}

/** Concurrent writers kept changing the stream: the command was decided again every allowed time and lost every race. */
export class ConcurrencyConflict extends Error {
  readonly code = 'concurrency-conflict';
  readonly details: { attempts: number };
  constructor(
    readonly streamId: string,
    readonly attempts: number,
  ) {
    super(`the resource kept changing while the command was decided (${attempts} attempts); try again`);
    this.name = 'ConcurrencyConflict';
    this.details = { attempts };
  }
}

const PAGE = 1000;

/** Every event of a stream, read in pages. */
export async function readWholeStream<E extends AnyDomainEvent>(store: EventStore, streamId: string): Promise<RecordedEvent<E>[]> {
  const all: RecordedEvent<E>[] = [];
  for (let from = 1; ;) {
    const page = await store.readStream<E>(streamId, { fromVersion: from, maxCount: PAGE });
    all.push(...page);
    if (page.length < PAGE) return all;
    from = page[page.length - 1].streamVersion + 1;
  }
}

/** A stream folded: its state, its version, and the events it was folded from. */
export async function loadStream<State, E extends AnyDomainEvent>(
  store: EventStore,
  streamId: string,
  fold: StreamFold<State, E>,
): Promise<{ state: State; version: number; events: RecordedEvent<E>[] }> {
  const events = await readWholeStream<E>(store, streamId);
  const state = events.reduce<State>((current, event) => fold.evolve(current, event), fold.initialState());
  return { state, version: events.at(-1)?.streamVersion ?? 0, events };
}

/**
 * A stream whose every event carries the whole state (a counter): only its last event is read and
 * folded, so a decision costs one indexed read however long the stream grows.
 */
export async function loadStreamHead<State, E extends AnyDomainEvent>(
  store: EventStore,
  streamId: string,
  fold: StreamFold<State, E>,
): Promise<{ state: State; version: number; events: RecordedEvent<E>[] }> {
  const events = await store.readStream<E>(streamId, { direction: 'backwards', maxCount: 1 });
  const state = events.reduce<State>((current, event) => fold.evolve(current, event), fold.initialState());
  return { state, version: events.at(-1)?.streamVersion ?? 0, events };
}

/**
 * Decides `decide` on the stream's current state and appends what it decided. `decide` is called
 * again on every retry with the new state, so it must be pure in what it is given (it may await
 * reference data, such as the registry, that it reads afresh).
 */
export async function handleCommand<State, E extends AnyDomainEvent, Options extends AppendOptions = AppendOptions>(
  store: EventStore<Options>,
  streamId: string,
  fold: StreamFold<State, E>,
  decide: (attempt: Attempt<State>) => E[] | Promise<E[]>,
  options: HandleOptions<State, E, Options>,
): Promise<HandledCommand<State, E>> {
  const retry = options.retry ?? DEFAULT_RETRY;
  for (let attempt = 1; ; attempt++) {
    const loaded = await (options.load ?? loadStream)(store, streamId, fold);
    const { state, version } = loaded;
    if (options.expectedVersion !== undefined && options.expectedVersion !== version) throw new PreconditionFailed(streamId, version);
    const current: Attempt<State> = { state, version, attempt };
    const events = await decide(current);
    if (events.length === 0) return { state, events, version, position: 0, before: loaded.events };
    const prepared = await options.prepare(events, current);
    let result: AppendResult;
    try {
      result = await store.appendToStream(streamId, prepared.events, { ...prepared.options, expectedVersion: version } as Options);
    } catch (error) {
      if (error instanceof WrongExpectedVersion) {
        if (options.expectedVersion !== undefined) throw new PreconditionFailed(streamId, error.actual);
        if (attempt >= retry.maxAttempts) throw new ConcurrencyConflict(streamId, attempt);
      } else if (!options.retryOn?.(error) || attempt >= retry.maxAttempts) {
        throw error;
      }
      await backoff(retry, attempt);
      continue;
    }
    prepared.appended?.();
    return { state: events.reduce(fold.evolve, state), events, version: result.nextExpectedVersion, position: result.position, before: loaded.events };
  }
}

/** Full jitter: a random wait up to base × 2^(attempt − 1), capped. */
function backoff(policy: RetryPolicy, attempt: number): Promise<void> {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const ms = ceiling >= 1 ? randomInt(0, Math.ceil(ceiling) + 1) : 0;
  return ms === 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A small stream (the registry, legal holds, the access matrix) folded in memory and kept in step
 * with the log: each `current()` asks the stream's version (one indexed query) and folds only what
 * is new, so several instances agree. Overlapping reads never move the fold back.
 */
export class CachedStreamFold<State, E extends AnyDomainEvent> {
  private state: State;
  private version = 0;

  constructor(
    private readonly store: EventStore,
    private readonly streamId: string,
    private readonly fold: StreamFold<State, E>,
  ) {
    this.state = fold.initialState();
  }

  async current(): Promise<State> {
    const head = await this.store.streamVersion(this.streamId);
    if (head > this.version) {
      const events = await this.store.readStream<E>(this.streamId, { fromVersion: this.version + 1 });
      const reached = events.at(-1)?.streamVersion ?? this.version;
      if (reached > this.version) {
        // another read may have folded some of these meanwhile: fold only the rest
        const applied = this.version;
        this.state = events.filter((event) => event.streamVersion > applied).reduce<State>((state, event) => this.fold.evolve(state, event), this.state);
        this.version = reached;
      }
    }
    return this.state;
  }
}
