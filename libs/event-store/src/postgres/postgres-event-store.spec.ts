import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { eventStoreContract } from '../event-store.contract-spec';
import { NewEvent } from '../event-store.port';
import { Upcasters } from '../upcasters';
import { PostgresEventStore } from './postgres-event-store';

eventStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const store = new PostgresEventStore(database.pool, { pollIntervalMs: 200 });
  return {
    store,
    close: async () => {
      await store.close();
      await database.close();
    },
  };
});

describe('PostgresEventStore', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = new PostgresEventStore(database.pool);
  });
  afterAll(async () => {
    await store.close();
    await database.close();
  });

  const event = (type: string, data = {}): NewEvent => ({
    type,
    data,
    metadata: { actor: 'spec', roles: ['ops'], correlationId: randomUUID() },
  });

  describe('append-only', () => {
    it('gives the service role no UPDATE, DELETE or TRUNCATE on events', async () => {
      await store.appendToStream(`s-${randomUUID()}`, [event('A')]);
      for (const statement of ['UPDATE ledger_events SET type = type', 'DELETE FROM ledger_events', 'TRUNCATE ledger_events']) {
        await expect(database.pool.query(statement)).rejects.toMatchObject({ code: '42501' });
      }
    });

    it('rejects UPDATE, DELETE and TRUNCATE by the owner through triggers', async () => {
      const owner = await database.ownerClient();
      expect((await owner.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0].rolsuper).toBe(true);
      await store.appendToStream(`s-${randomUUID()}`, [event('A')]);
      for (const statement of ["UPDATE ledger_events SET data = '{}'", 'DELETE FROM ledger_events', 'TRUNCATE ledger_events']) {
        await expect(owner.query(statement)).rejects.toThrow(/append-only/);
      }
      expect(Number((await owner.query('SELECT count(*) FROM ledger_events')).rows[0].count)).toBeGreaterThan(0);
    });
  });

  describe('global order', () => {
    it('holds back events committed behind an older transaction that is still open, then delivers both in order', async () => {
      const { position: markAt } = await store.appendToStream(`mark-${randomUUID()}`, [event('Mark')]);
      const from = (await store.checkpointOf(markAt))!;
      const owner = await database.ownerClient();
      await owner.query('BEGIN');
      const slow = `slow-${randomUUID()}`;
      await owner.query(
        `INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
         VALUES ($2, $1, 1, 'Slow', 1, '{}', '{"actor":"spec","roles":[],"correlationId":"c"}', sha256('{}'::bytea))`,
        [slow, randomUUID()],
      );
      const fast = `fast-${randomUUID()}`;
      const { position: fastPosition } = await store.appendToStream(fast, [event('Fast')]);

      expect(await store.readAll({ from })).toEqual([]);
      expect((await store.readGlobalBatch(from, 10)).heldBack).toBe(true);

      await owner.query('COMMIT');
      // other test files' transactions (same cluster) may hold the horizon a moment longer
      let all = await store.readAll({ from });
      for (const start = Date.now(); all.length < 2 && Date.now() - start < 10_000; all = await store.readAll({ from })) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(all.map((e) => e.streamId)).toEqual([slow, fast]);
      expect(all[0].position).toBeLessThan(fastPosition);
    });

    it('delivers held-back events to a live subscriber once the older transaction commits', async () => {
      const { position: markAt } = await store.appendToStream(`mark-${randomUUID()}`, [event('Mark')]);
      const from = (await store.checkpointOf(markAt))!;
      const owner = await database.ownerClient();
      await owner.query('BEGIN');
      await owner.query('SELECT pg_current_xact_id()');
      const subscription = store.subscribeToAll(from);
      const iterator = subscription[Symbol.asyncIterator]();
      const first = iterator.next();
      await store.appendToStream(`late-${randomUUID()}`, [event('Late')]);
      let delivered = false;
      void first.then(() => (delivered = true));
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(delivered).toBe(false);
      await owner.query('COMMIT');
      expect((await first).value).toMatchObject({ type: 'Late' });
      await subscription.stop();
    });

    it('counts an event held back behind an older open transaction in the head: waiting for the head waits for it', async () => {
      const owner = await database.ownerClient();
      await owner.query('BEGIN');
      await owner.query('SELECT pg_current_xact_id()');
      const { position } = await store.appendToStream(`after-${randomUUID()}`, [event('After')]);
      expect(await store.headCheckpoint()).toEqual(await store.checkpointOf(position));
      await owner.query('COMMIT');
    });
  });

  describe('upcasting', () => {
    it('upcasts stored events on read through each registered (type, schemaVersion) step', async () => {
      const streamId = `up-${randomUUID()}`;
      await store.appendToStream(streamId, [{ ...event('PhoneRecorded', { phone: '138' }), schemaVersion: 1 }]);
      const upcasters = new Upcasters()
        .register('PhoneRecorded', 1, (data) => ({ contact: { phone: data.phone } }))
        .register('PhoneRecorded', 2, (data) => ({ ...data, country: 'CN' }));
      const upcasting = new PostgresEventStore(database.pool, { upcasters });
      const [read] = await upcasting.readStream(streamId);
      expect(read).toMatchObject({ schemaVersion: 3, data: { contact: { phone: '138' }, country: 'CN' } });
      const [raw] = await store.readStream(streamId);
      expect(raw).toMatchObject({ schemaVersion: 1, data: { phone: '138' } });
      expect(read.payloadDigest).toBe(raw.payloadDigest);
      await upcasting.close();
    });

    it('refuses two upcasters for the same step', () => {
      const upcasters = new Upcasters().register('X', 1, (data) => data);
      expect(() => upcasters.register('X', 1, (data) => data)).toThrow(/already registered/);
    });
  });
});
