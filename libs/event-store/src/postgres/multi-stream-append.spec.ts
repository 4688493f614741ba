import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { NewEvent } from '../event-store.port';
import { AlongsideInsert } from './postgres-event-store.port';
import { AlongsideConflict, EventIdConflict, InvalidAppend, WrongExpectedVersion } from '../event-store.errors';
import { PostgresEventStore } from './postgres-event-store';
import { keysTable } from './alongside.testing';

/** Several streams' appends in one statement (an import's batch of new subjects): all or nothing, each stream's version checked. */
describe('PostgresEventStore: multi-stream append', () => {
  let database: TestDatabase;
  let owner: Client;
  let store: PostgresEventStore;
  let keys: (subjectId: string) => AlongsideInsert;

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = await database.ownerClient();
    keys = await keysTable(owner, 'multi_keys', 'multi-keys');
    store = new PostgresEventStore(database.pool);
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  const event = (type: string, eventId?: string): NewEvent => ({ eventId, type, data: { type, n: 1 }, metadata: { actor: 'spec', roles: ['ops'], correlationId: randomUUID() } });
  const stream = () => `multi-${randomUUID()}`;
  const failure = (attempt: Promise<unknown>) =>
    attempt.then(
      () => undefined,
      (error: unknown) => error,
    );
  const countOf = async (streams: string[]) => Number((await database.pool.query('SELECT count(*) FROM ledger_events WHERE stream_id = ANY($1)', [streams])).rows[0].count);

  it('appends to several streams in one transaction, each at its own versions, with their rows alongside in one insert', async () => {
    const existing = stream();
    await store.appendToStream(existing, [event('A')]);
    const fresh = [stream(), stream()];
    const rows = [keys(randomUUID()), keys(randomUUID())];
    const results = await store.appendToStreams([
      { streamId: fresh[0], events: [event('B'), event('C')], expectedVersion: 'no_stream', alongside: rows[0] },
      { streamId: existing, events: [event('D')], expectedVersion: 1 },
      { streamId: fresh[1], events: [event('E')], expectedVersion: 'no_stream', alongside: rows[1] },
    ]);
    expect(results.map((result) => result.nextExpectedVersion)).toEqual([2, 2, 1]);
    const stored = await database.pool.query(
      `SELECT stream_id, stream_version::int AS version, type, transaction_id::text AS tx, position::int AS position FROM ledger_events WHERE stream_id = ANY($1) AND type <> 'A' ORDER BY position`,
      [[...fresh, existing]],
    );
    expect(stored.rows.map((row) => [row.stream_id, row.version, row.type])).toEqual([
      [fresh[0], 1, 'B'],
      [fresh[0], 2, 'C'],
      [existing, 2, 'D'],
      [fresh[1], 1, 'E'],
    ]);
    expect(new Set(stored.rows.map((row) => row.tx)).size).toBe(1);
    expect(results[2].position).toBe(stored.rows[3].position);
    const keyRows = await owner.query('SELECT subject_id, categories, key_ids, wrapped FROM multi_keys WHERE subject_id = ANY($1) ORDER BY subject_id', [
      rows.map((row) => row.values[0]),
    ]);
    expect(keyRows.rows).toHaveLength(2);
    const first = keyRows.rows.find((row) => row.subject_id === rows[0].values[0]);
    expect(first.categories).toEqual(['contact', 'identity']);
    expect(first.key_ids).toEqual(rows[0].values[3]);
    expect(first.wrapped.map((bytes: Buffer) => bytes.toString('hex'))).toEqual((rows[0].values[4] as Buffer[]).map((bytes) => bytes.toString('hex')));
  });

  it('writes nothing when one stream is not at its expected version, and names that stream', async () => {
    const taken = stream();
    await store.appendToStream(taken, [event('A')]);
    const fresh = stream();
    const row = keys(randomUUID());
    const error = await failure(
      store.appendToStreams([
        { streamId: fresh, events: [event('B')], expectedVersion: 'no_stream', alongside: row },
        { streamId: taken, events: [event('C')], expectedVersion: 'no_stream' },
      ]),
    );
    expect(error).toBeInstanceOf(WrongExpectedVersion);
    expect(error).toMatchObject({ streamId: taken, actual: 1 });
    expect(await countOf([fresh, taken])).toBe(1);
    expect((await owner.query('SELECT 1 FROM multi_keys WHERE subject_id = $1', [row.values[0]])).rows).toHaveLength(0);
  });

  it('writes nothing when a row alongside conflicts with a stored one, or an event id is stored already', async () => {
    const subjectId = randomUUID();
    await store.appendToStream(stream(), [event('A')], { expectedVersion: 'no_stream', alongside: keys(subjectId) });
    const fresh = [stream(), stream()];
    const conflict = await failure(
      store.appendToStreams([
        { streamId: fresh[0], events: [event('B')], expectedVersion: 'no_stream', alongside: keys(randomUUID()) },
        { streamId: fresh[1], events: [event('C')], expectedVersion: 'no_stream', alongside: keys(subjectId) },
      ]),
    );
    expect(conflict).toBeInstanceOf(AlongsideConflict);
    expect(conflict).toMatchObject({ table: 'multi_keys' });
    expect(await countOf(fresh)).toBe(0);

    const eventId = randomUUID();
    await store.appendToStream(stream(), [event('A', eventId)]);
    const again = await failure(
      store.appendToStreams([
        { streamId: fresh[0], events: [event('B')], expectedVersion: 'no_stream' },
        { streamId: fresh[1], events: [event('C', eventId)], expectedVersion: 'no_stream' },
      ]),
    );
    expect(again).toBeInstanceOf(EventIdConflict);
    expect(await countOf(fresh)).toBe(0);
  });

  it('refuses a stream named twice or without events', async () => {
    const streamId = stream();
    await expect(
      store.appendToStreams([
        { streamId, events: [event('A')], expectedVersion: 'any' },
        { streamId, events: [event('B')], expectedVersion: 'any' },
      ]),
    ).rejects.toBeInstanceOf(InvalidAppend);
    await expect(store.appendToStreams([{ streamId, events: [], expectedVersion: 'any' }])).rejects.toBeInstanceOf(InvalidAppend);
    expect(await countOf([streamId])).toBe(0);
  });
});
