import { randomUUID } from 'node:crypto';
import { Client, QueryConfig } from 'pg';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { ExpectedVersion, NewEvent } from '../event-store.port';
import { AlongsideInsert } from './postgres-event-store.port';
import { AlongsideConflict, InvalidAppend, WrongExpectedVersion } from '../event-store.errors';
import { PostgresEventStore } from './postgres-event-store';
import { KEY_COLUMNS, KEY_TYPES, keysTable } from './alongside.testing';

/** A stand-in for the vault's table of a new subject's keys: one row per subject. */
const KEYS = `alongside_keys ${KEY_COLUMNS}`;

describe('PostgresEventStore: a row alongside the append', () => {
  let database: TestDatabase;
  let owner: Client;
  let store: PostgresEventStore;
  let keys: (subjectId: string, kekId?: string) => AlongsideInsert;

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = await database.ownerClient();
    keys = await keysTable(owner, 'alongside_keys', 'subject-keys');
    store = new PostgresEventStore(database.pool);
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  const event = (type: string, eventId?: string): NewEvent => ({
    eventId,
    type,
    data: { type },
    metadata: { actor: 'spec', roles: ['ops'], correlationId: randomUUID() },
  });
  const stream = () => `alongside-${randomUUID()}`;
  const subject = () => `subject-${randomUUID()}`;
  const rowsOf = async (subjectId: string) => (await owner.query('SELECT *, xmin::text AS xmin FROM alongside_keys WHERE subject_id = $1', [subjectId])).rows;
  const failure = (attempt: Promise<unknown>) =>
    attempt.then(
      () => undefined,
      (error: unknown) => error,
    );

  describe('accepted', () => {
    it.each([1, 3])('writes the row and %i event(s) in the same transaction', async (count) => {
      const streamId = stream();
      const subjectId = subject();
      const alongside = keys(subjectId);
      const events = Array.from({ length: count }, (_, i) => event(`E${i}`));

      const result = await store.appendToStream(streamId, events, { expectedVersion: 'no_stream', alongside });

      const stored = await store.readStream(streamId);
      expect(stored.map((e) => e.type)).toEqual(events.map((e) => e.type));
      expect(result).toEqual({ nextExpectedVersion: count, position: stored.at(-1)!.position });
      const [row, ...more] = await rowsOf(subjectId);
      expect(more).toEqual([]);
      expect(row).toMatchObject({ kek_id: 'kek-1', categories: ['contact', 'identity'], key_ids: alongside.values[3] });
      expect(row.wrapped).toEqual(alongside.values[4]);
      // one transaction: the row's xmin is the events' transaction id (a fresh cluster: epoch 0)
      expect(Number(row.xmin)).toBe(stored[0].checkpoint.transactionId);
    });

    it('names the statements by shape, and keeps the plain appends as they were', async () => {
      const query = jest.spyOn(database.pool, 'query');
      try {
        await store.appendToStream(stream(), [event('A')]);
        await store.appendToStream(stream(), [event('A'), event('B')]);
        await store.appendToStream(stream(), [event('A')], { alongside: keys(subject()) });
        await store.appendToStream(stream(), [event('A'), event('B')], { alongside: keys(subject()) });
        // (the wake-up's pg_notify goes through the pool too)
        const statements = query.mock.calls.map(([config]) => config as unknown as QueryConfig).filter((config) => typeof config === 'object');
        expect(statements.map((statement) => statement.name)).toEqual([
          'ledger-append-one',
          'ledger-append-batch',
          'ledger-append-one+subject-keys',
          'ledger-append-batch+subject-keys',
        ]);
        expect(statements[0].text).not.toMatch(/alongside/);
        // the row's values follow the statement's own parameters: $1..$9 for one event, $1..$4 for a batch
        expect(statements[2].text).toContain(`,
  alongside AS (INSERT INTO ${KEYS} SELECT $10::text, $11::text, $12::text[], $13::uuid[], $14::bytea[] FROM accepted)
  INSERT INTO ledger_events`);
        expect(statements[3].text).toContain(`SELECT $5::text, $6::text, $7::text[], $8::uuid[], $9::bytea[] FROM accepted)`);
        expect(statements[2].values).toHaveLength(9 + KEY_TYPES.length);
      } finally {
        query.mockRestore();
      }
    });
  });

  describe('refused', () => {
    it.each<[ExpectedVersion, number]>([
      ['no_stream', 1],
      [0, 3],
      [5, 1],
    ])('writes no row when the expected version %p does not hold (%i event(s))', async (expectedVersion, count) => {
      const streamId = stream();
      await store.appendToStream(streamId, [event('Existing')]);
      const subjectId = subject();
      const events = Array.from({ length: count }, (_, i) => event(`E${i}`));

      const error = await failure(store.appendToStream(streamId, events, { expectedVersion, alongside: keys(subjectId) }));

      expect(error).toBeInstanceOf(WrongExpectedVersion);
      expect(error).toMatchObject({ streamId, expected: expectedVersion, actual: 1 });
      expect(await rowsOf(subjectId)).toEqual([]);
      expect(await store.streamVersion(streamId)).toBe(1);
    });

    it.each([1, 2])('throws AlongsideConflict, naming table and constraint, when the row is taken; no event is written (%i event(s))', async (count) => {
      const subjectId = subject();
      await store.appendToStream(stream(), [event('First')], { alongside: keys(subjectId, 'kek-first') });
      const streamId = stream();

      const error = await failure(
        store.appendToStream(
          streamId,
          Array.from({ length: count }, (_, i) => event(`E${i}`)),
          { alongside: keys(subjectId, 'kek-second') },
        ),
      );

      expect(error).toBeInstanceOf(AlongsideConflict);
      expect(error).toMatchObject({ code: 'alongside-conflict', streamId, table: 'alongside_keys', constraint: 'alongside_keys_pkey' });
      expect((error as Error).message).not.toContain(subjectId);
      expect(await store.streamVersion(streamId)).toBe(0);
      expect((await rowsOf(subjectId)).map((row) => row.kek_id)).toEqual(['kek-first']);
    });

    it('passes other errors of the row through, and writes nothing', async () => {
      const streamId = stream();
      const subjectId = subject();
      const alongside = keys(subjectId);
      const error = await failure(store.appendToStream(streamId, [event('A')], { alongside: { ...alongside, values: [subjectId, null, ...alongside.values.slice(2)] } }));
      expect(error).toMatchObject({ code: '23502', table: 'alongside_keys' });
      expect(await store.streamVersion(streamId)).toBe(0);
      expect(await rowsOf(subjectId)).toEqual([]);
    });
  });

  describe('replayed', () => {
    it.each([1, 2])("returns the original result for the same events with 'any', writing no second row (%i event(s))", async (count) => {
      const streamId = stream();
      const ids = Array.from({ length: count }, () => randomUUID());
      const events = ids.map((id, i) => event(`E${i}`, id));
      const first = subject();
      const original = await store.appendToStream(streamId, events, { alongside: keys(first) });
      // another subject: a row the replay could insert if the statement were not refused as a whole
      const second = subject();

      const replayed = await store.appendToStream(streamId, events, { expectedVersion: 'any', alongside: keys(second) });

      expect(replayed).toEqual(original);
      expect(await rowsOf(second)).toEqual([]);
      expect(await rowsOf(first)).toHaveLength(1);
      expect(await store.streamVersion(streamId)).toBe(count);
    });

    it("returns the original result when the replay's row is the stored one too (both constraints refuse)", async () => {
      const streamId = stream();
      const events = [event('A', randomUUID())];
      const alongside = keys(subject());
      const original = await store.appendToStream(streamId, events, { expectedVersion: 'no_stream', alongside });

      expect(await store.appendToStream(streamId, events, { expectedVersion: 'any', alongside })).toEqual(original);
      expect(await store.appendToStream(streamId, events, { expectedVersion: 'no_stream', alongside })).toEqual(original);
      expect(await rowsOf(alongside.values[0] as string)).toHaveLength(1);
    });
  });

  describe('whichever constraint PostgreSQL reports', () => {
    /** The next append statement fails as if the row's unique key had been reported first. */
    const rowReportedFirst = () => {
      const original = database.pool.query.bind(database.pool) as (...args: unknown[]) => unknown;
      let reported = false;
      return jest.spyOn(database.pool, 'query').mockImplementation((...args: unknown[]) => {
        if (reported || !/^ledger-append-(one|batch)\+/.test((args[0] as QueryConfig).name ?? '')) return original(...args);
        reported = true;
        return Promise.reject(Object.assign(new Error('duplicate key'), { code: '23505', table: 'alongside_keys', constraint: 'alongside_keys_pkey' }));
      });
    };

    it('settles a replay as a replay', async () => {
      const streamId = stream();
      const events = [event('A', randomUUID()), event('B', randomUUID())];
      const alongside = keys(subject());
      const original = await store.appendToStream(streamId, events, { alongside });
      const query = rowReportedFirst();
      try {
        expect(await store.appendToStream(streamId, events, { alongside })).toEqual(original);
      } finally {
        query.mockRestore();
      }
    });

    it('reports a stream that has moved on as WrongExpectedVersion', async () => {
      const streamId = stream();
      await store.appendToStream(streamId, [event('A')]);
      const query = rowReportedFirst();
      try {
        const error = await failure(store.appendToStream(streamId, [event('B')], { expectedVersion: 'no_stream', alongside: keys(subject()) }));
        expect(error).toBeInstanceOf(WrongExpectedVersion);
      } finally {
        query.mockRestore();
      }
    });

    it('refuses a racing writer that committed the first event and the same row while the append waited', async () => {
      const streamId = stream();
      const subjectId = subject();
      const racer = await database.ownerClient();
      await racer.query('BEGIN');
      await racer.query(
        `INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
         VALUES ($1, $2, 1, 'Racer', 1, '{}', '{"actor":"spec","roles":[],"correlationId":"c"}', sha256('{}'::bytea))`,
        [randomUUID(), streamId],
      );
      await racer.query(`INSERT INTO alongside_keys VALUES ($1, 'kek-racer', '{}', '{}', '{}')`, [subjectId]);

      const append = failure(store.appendToStream(streamId, [event('Mine')], { expectedVersion: 'no_stream', alongside: keys(subjectId) }));
      // the append has read the empty stream and waits on the racer's uncommitted rows
      for (const start = Date.now(); ;) {
        const { rows } = await owner.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%alongside AS%'`,
        );
        if (rows[0].waiting > 0) break;
        if (Date.now() - start > 10_000) throw new Error('the append never waited');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await racer.query('COMMIT');

      const error = await append;
      expect(error).toBeInstanceOf(WrongExpectedVersion);
      expect(error).toMatchObject({ streamId, expected: 'no_stream', actual: 1 });
      expect((await store.readStream(streamId)).map((e) => e.type)).toEqual(['Racer']);
      expect((await rowsOf(subjectId)).map((row) => row.kek_id)).toEqual(['kek-racer']);
    });
  });

  describe('invalid', () => {
    // a name of its own for each case: a shape let through would otherwise be cached under a shared
    // name, and the cases after it refused as reuses, for the wrong reason
    let cases = 0;
    const valid = (): AlongsideInsert => ({
      name: `invalid-${++cases}`,
      into: 'alongside_keys (subject_id, kek_id, categories, key_ids, wrapped)',
      types: KEY_TYPES,
      values: [subject(), 'k', [], [], []],
    });

    it('accepts the shape the cases below start from', async () => {
      const subjectId = subject();
      // another kek id: the cases below count the rows with 'k'
      await store.appendToStream(stream(), [event('A')], { alongside: { ...valid(), values: [subjectId, 'k-accepted', [], [], []] } });
      expect(await rowsOf(subjectId)).toHaveLength(1);
    });

    it.each<[string, Partial<AlongsideInsert>, RegExp]>([
      ['an upper-case name', { name: 'Keys' }, /alongside\.name must match/],
      ['an empty name', { name: '' }, /alongside\.name must match/],
      ['a name with a space', { name: 'subject keys' }, /alongside\.name must match/],
      ['a name too long for a statement name', { name: 'k'.repeat(42) }, /alongside\.name must match/],
      ['into without columns', { into: 'alongside_keys' }, /into must be a table and its columns/],
      ['into without the space', { into: 'alongside_keys(subject_id, kek_id, categories, key_ids, wrapped)' }, /into must be a table and its columns/],
      ['into with more SQL', { into: 'alongside_keys (subject_id, kek_id, categories, key_ids, wrapped); DROP TABLE x' }, /into must be a table and its columns/],
      ['into with a quoted name', { into: '"alongside_keys" (subject_id, kek_id, categories, key_ids, wrapped)' }, /into must be a table and its columns/],
      ["into the events' own table", { into: 'ledger_events (event_id, stream_id, type, data, metadata)' }, /events' own table/],
      ['a type with more SQL', { types: [...KEY_TYPES.slice(0, 4), 'bytea[] FROM accepted); DELETE FROM alongside_keys; --'] }, /each type must match/],
      ['a type with a quote', { types: [...KEY_TYPES.slice(0, 4), "bytea[]'"] }, /each type must match/],
      ['an upper-case type', { types: [...KEY_TYPES.slice(0, 4), 'BYTEA[]'] }, /each type must match/],
      ['fewer types than values', { types: KEY_TYPES.slice(0, 4) }, /same, non-zero length/],
      ['fewer values than types', { values: ['only', 'k', [], []] }, /same, non-zero length/],
      ['no values at all', { into: 'alongside_keys (subject_id)', types: [], values: [] }, /same, non-zero length/],
      ['more columns than types', { into: 'alongside_keys (subject_id, kek_id, categories, key_ids, wrapped, extra)' }, /one type per column/],
    ])('rejects %s with InvalidAppend, writing nothing', async (_, change, reason) => {
      const streamId = stream();
      const base = valid();
      const error = await failure(store.appendToStream(streamId, [event('A')], { alongside: { ...base, ...change } }));
      expect(error).toBeInstanceOf(InvalidAppend);
      expect((error as Error).message).toMatch(reason);
      expect(await store.streamVersion(streamId)).toBe(0);
      expect(Number((await owner.query('SELECT count(*) FROM alongside_keys WHERE kek_id = $1', ['k'])).rows[0].count)).toBe(0);
    });

    it('rejects an alongside row with no event to gate it on', async () => {
      const streamId = stream();
      const subjectId = subject();
      await expect(store.appendToStream(streamId, [], { alongside: keys(subjectId) })).rejects.toBeInstanceOf(InvalidAppend);
      expect(await rowsOf(subjectId)).toEqual([]);
    });

    it('rejects a name used again with another into or types, writing nothing', async () => {
      const first = subject();
      await store.appendToStream(stream(), [event('A')], {
        alongside: { name: 'reshaped', into: 'alongside_keys (subject_id, kek_id, categories, key_ids, wrapped)', types: KEY_TYPES, values: keys(first).values },
      });
      expect(await rowsOf(first)).toHaveLength(1);

      for (const other of [
        { into: 'public.alongside_keys (subject_id, kek_id, categories, key_ids, wrapped)', types: KEY_TYPES },
        { into: KEYS, types: ['text', 'varchar', 'text[]', 'uuid[]', 'bytea[]'] },
      ]) {
        const streamId = stream();
        const subjectId = subject();
        const alongside = { name: 'reshaped', ...other, values: keys(subjectId).values };
        const error = await failure(store.appendToStream(streamId, [event('A'), event('B')], { alongside }));
        expect(error).toBeInstanceOf(InvalidAppend);
        expect((error as Error).message).toMatch(/reshaped: already used/);
        expect(await store.streamVersion(streamId)).toBe(0);
        expect(await rowsOf(subjectId)).toEqual([]);
      }
    });
  });
});
