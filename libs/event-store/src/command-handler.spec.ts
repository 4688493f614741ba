import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { ConcurrencyConflict, handleCommand, PreconditionFailed, StreamFold } from './command-handler';
import { DomainEvent, EventMetadata, NewEvent } from './event-store.port';
import { EventIdConflict } from './event-store.errors';
import { PostgresEventStore } from './postgres/postgres-event-store';

/** A counter that refuses to pass a limit: the smallest decider that shows the command path. */
type CounterEvent = DomainEvent<'Incremented', { by: number }>;
const COUNTER: StreamFold<number, CounterEvent> = { initialState: () => 0, evolve: (total, event) => total + event.data.by };
const metadata: EventMetadata = { actor: 'command-handler-spec', roles: ['ops'], correlationId: randomUUID() };
const prepare = async (events: readonly CounterEvent[]) => ({ events: events.map((event): NewEvent<CounterEvent> => ({ ...event, metadata })) });

function increment(by: number, limit = Infinity) {
  return ({ state }: { state: number }): CounterEvent[] => {
    if (state + by > limit) throw new Error('over the limit');
    return [{ type: 'Incremented', data: { by } }];
  };
}

describe('handleCommand', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  const stream = () => `counter-${randomUUID()}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresEventStore(database.pool);
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  it('loads, folds, decides and appends at the version the decision was based on', async () => {
    const id = stream();
    const first = await handleCommand(store, id, COUNTER, increment(2), { prepare });
    const second = await handleCommand(store, id, COUNTER, increment(3), { prepare });
    expect(first).toMatchObject({ state: 2, version: 1, events: [{ type: 'Incremented', data: { by: 2 } }] });
    expect(second).toMatchObject({ state: 5, version: 2 });
    expect(second.before.map((event) => event.streamVersion)).toEqual([1]);
    expect((await store.readStream<CounterEvent>(id)).map((event) => event.data.by)).toEqual([2, 3]);
  });

  it('appends nothing when the decision is empty', async () => {
    const id = stream();
    const result = await handleCommand(store, id, COUNTER, () => [], { prepare });
    expect(result).toMatchObject({ events: [], version: 0, position: 0 });
    expect(await store.streamVersion(id)).toBe(0);
  });

  it('decides again on the new state when another writer got in first', async () => {
    const id = stream();
    let attempts = 0;
    const result = await handleCommand(
      store,
      id,
      COUNTER,
      async (attempt) => {
        attempts = attempt.attempt;
        // a concurrent writer appends between this attempt's read and its append, once
        if (attempt.attempt === 1) await store.appendToStream(id, [{ type: 'Incremented', data: { by: 10 }, metadata }]);
        return increment(1, 11)(attempt);
      },
      { prepare },
    );
    expect(attempts).toBe(2);
    expect(result).toMatchObject({ state: 11, version: 2 });
  });

  it('runs the domain rule against the state it appends on: a retry that no longer fits is refused', async () => {
    const id = stream();
    const decision = handleCommand(
      store,
      id,
      COUNTER,
      async (attempt) => {
        if (attempt.attempt === 1) await store.appendToStream(id, [{ type: 'Incremented', data: { by: 10 }, metadata }]);
        return increment(5, 12)(attempt);
      },
      { prepare },
    );
    await expect(decision).rejects.toThrow('over the limit');
    expect(await store.streamVersion(id)).toBe(1);
  });

  it('gives up after the allowed attempts with a typed concurrency conflict, having written nothing of its own', async () => {
    const id = stream();
    const decision = handleCommand(
      store,
      id,
      COUNTER,
      async (attempt) => {
        await store.appendToStream(id, [{ type: 'Incremented', data: { by: 100 }, metadata }]);
        return increment(1)(attempt);
      },
      { prepare, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 } },
    );
    const error = await decision.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(error).toMatchObject({ code: 'concurrency-conflict', details: { attempts: 3 } });
    expect((await store.readStream<CounterEvent>(id)).map((event) => event.data.by)).toEqual([100, 100, 100]);
  });

  it('with an expected version (If-Match), a moved stream is a precondition failure at once, never decided again', async () => {
    const id = stream();
    await handleCommand(store, id, COUNTER, increment(1), { prepare });
    let decided = 0;
    const stale = handleCommand(store, id, COUNTER, (attempt) => (decided++, increment(1)(attempt)), { prepare, expectedVersion: 0 });
    await expect(stale).rejects.toMatchObject({ code: 'precondition-failed', details: { currentVersion: 1 } });
    expect(decided).toBe(0);

    const raced = handleCommand(
      store,
      id,
      COUNTER,
      async (attempt) => {
        decided++;
        await store.appendToStream(id, [{ type: 'Incremented', data: { by: 1 }, metadata }]);
        return increment(1)(attempt);
      },
      { prepare, expectedVersion: 1 },
    );
    const error = await raced.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect(error).toMatchObject({ currentVersion: 2 });
    expect(decided).toBe(1);
  });

  it('passes other append errors through unless the caller says a new decision settles them', async () => {
    const id = stream();
    const eventId = randomUUID();
    await store.appendToStream(`${id}-other`, [{ eventId, type: 'Incremented', data: { by: 7 }, metadata }]);
    const reusingId = async (events: readonly CounterEvent[]) => ({ events: events.map((event) => ({ ...event, eventId, metadata })) });
    await expect(handleCommand(store, id, COUNTER, increment(1), { prepare: reusingId })).rejects.toBeInstanceOf(EventIdConflict);

    let prepared = 0;
    const retried = await handleCommand(store, id, COUNTER, increment(1), {
      prepare: async (events, attempt) => (prepared++, attempt.attempt === 1 ? reusingId(events) : prepare(events)),
      retryOn: (error) => error instanceof EventIdConflict,
    });
    expect(prepared).toBe(2);
    expect(retried).toMatchObject({ state: 1, version: 1 });
  });
});
