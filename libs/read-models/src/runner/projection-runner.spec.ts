import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { NewEvent, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { Projection, ProjectionBatch } from './projection';
import { ProjectionRunner } from './projection-runner';
import { ProjectionCheckpoints } from './projection-checkpoints';
import { rebuildProjection } from './projection-rebuild';

/**
 * One row per event, keyed by position, WITHOUT an idempotency guard: any event applied twice
 * (two workers, a replayed batch) fails on the primary key, so these specs see double processing.
 */
class SeenProjection implements Projection {
  readonly version = 1;
  readonly tables: string[];
  readonly eventTypes = new Set(['Seen', 'Poison']);
  poisonous = true;
  constructor(readonly name: string) {
    this.tables = [name];
  }
  async apply({ client, table }: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'Poison' && this.poisonous) throw new Error('cannot apply this event');
      await client.query(`INSERT INTO ${table(this.name)} (position, stream_id) VALUES ($1, $2)`, [event.position, event.streamId]);
    }
  }
}

const logger = pino({ level: 'silent' });
const event = (type = 'Seen'): NewEvent => ({ type, data: {}, metadata: { actor: 'spec', roles: ['ops'], correlationId: randomUUID() } });

async function createTables(owner: Pool, name: string) {
  await owner.query(`CREATE TABLE "${name}__g1" (position bigint PRIMARY KEY, stream_id text NOT NULL)`);
  await owner.query(`CREATE VIEW "${name}" AS SELECT * FROM "${name}__g1"`);
  await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${name}__g1" TO pi_ledger_app; GRANT SELECT ON "${name}" TO pi_ledger_app`);
}

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  for (const start = Date.now(); !(await check());) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('ProjectionRunner', () => {
  let database: TestDatabase;
  let owner: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = new Pool({ connectionString: database.url, max: 4 });
    store = new PostgresEventStore(database.pool, { pollIntervalMs: 100 });
  });
  afterAll(async () => {
    await store.close();
    await owner.end();
    await database.close();
  });

  const count = async (table: string) => Number((await database.pool.query(`SELECT count(*) FROM "${table}"`)).rows[0].count);
  const eventCount = async () => Number((await database.pool.query(`SELECT count(*) FROM ledger_events`)).rows[0].count);

  it('projects every event once and moves the checkpoint with the read model', async () => {
    await createTables(owner, 'seen_a');
    const projection = new SeenProjection('seen_a');
    for (let i = 0; i < 30; i++) await store.appendToStream(`s-${i % 3}`, [event()]);
    const runner = new ProjectionRunner(database.pool, store, [projection], { logger, batchSize: 7, pollMs: 50 });
    await runner.start();
    await until(async () => (await count('seen_a')) === (await eventCount()));
    await store.appendToStream('s-late', [event()]);
    await until(async () => (await count('seen_a')) === (await eventCount()));
    const row = await new ProjectionCheckpoints(database.pool).get('seen_a');
    expect(row).toMatchObject({ status: 'running', generation: 1, checkpoint: await store.headCheckpoint() });
    await runner.stop();
  });

  it('stops only the projection that fails on an event, with lastError, after applying the events before it', async () => {
    await createTables(owner, 'seen_poisoned');
    await createTables(owner, 'seen_healthy');
    const poisoned = new SeenProjection('seen_poisoned');
    const healthy = new SeenProjection('seen_healthy');
    healthy.poisonous = false;
    await store.appendToStream('p', [event(), event()]);
    const { position } = await store.appendToStream('p', [event('Poison')]);
    await store.appendToStream('p', [event()]);
    const runner = new ProjectionRunner(database.pool, store, [poisoned, healthy], { logger, batchSize: 100, pollMs: 50 });
    await runner.start();
    const checkpoints = new ProjectionCheckpoints(database.pool);
    await until(async () => (await checkpoints.get('seen_poisoned'))?.status === 'failed');
    await until(async () => (await count('seen_healthy')) === (await eventCount()));
    const failed = await checkpoints.get('seen_poisoned');
    expect(failed).toMatchObject({ status: 'failed', failedPosition: position, lastError: expect.stringContaining('cannot apply this event') });
    expect(await count('seen_poisoned')).toBe((await eventCount()) - 2); // all before the poison, none after

    poisoned.poisonous = false; // a fixed release, then `projections resume`
    await checkpoints.setStatus('seen_poisoned', 'running');
    await until(async () => (await count('seen_poisoned')) === (await eventCount()));
    await runner.stop();
  });

  it('lets two workers share projections so each is processed by exactly one', async () => {
    const names = ['seen_w1', 'seen_w2', 'seen_w3'];
    for (const name of names) await createTables(owner, name);
    const runners = [1, 2].map(
      (n) =>
        new ProjectionRunner(
          database.pool,
          store,
          names.map((name) => Object.assign(new SeenProjection(name), { poisonous: false })),
          { logger, owner: `worker-${n}`, batchSize: 5, pollMs: 50, leaseMs: 2_000 },
        ),
    );
    await Promise.all(runners.map((runner) => runner.start()));
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 50; i++) await store.appendToStream(`w-${w}`, [event()]);
      }),
    );
    for (const name of names) await until(async () => (await count(name)) === (await eventCount()));
    const leases = (await database.pool.query(`SELECT name, owner FROM projection_leases WHERE name = ANY($1)`, [names])).rows;
    expect(leases).toHaveLength(3);
    expect((await database.pool.query(`SELECT status FROM projection_checkpoints WHERE name = ANY($1)`, [names])).rows.every((r) => r.status === 'running')).toBe(true);
    await Promise.all(runners.map((runner) => runner.stop()));
  });

  it('rebuilds into a new generation while writes continue, loses nothing, and switches the view', async () => {
    await createTables(owner, 'seen_rb');
    const projection = new SeenProjection('seen_rb');
    projection.poisonous = false;
    const runner = new ProjectionRunner(database.pool, store, [projection], { logger, batchSize: 50, pollMs: 50 });
    await runner.start();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await store.appendToStream(`rb-${i % 5}`, [event()]);
    })();
    await until(async () => (await count('seen_rb')) > 50);
    const progress: number[] = [];
    const result = await rebuildProjection({ ownerPool: owner, store, projection, batchSize: 40, onProgress: (done) => progress.push(done) });
    writing = false;
    await writer;
    expect(result).toMatchObject({ generation: 2, resumed: false });
    expect(progress.length).toBeGreaterThan(1);
    await until(async () => (await count('seen_rb')) === (await eventCount()));
    const view = (await owner.query(`SELECT pg_get_viewdef('seen_rb'::regclass) AS def`)).rows[0].def;
    expect(view).toContain('seen_rb__g2');
    expect((await owner.query(`SELECT to_regclass('"seen_rb__g1"') AS t`)).rows[0].t).toBeNull();

    // a generation orphaned by an interrupted switch (it would hold PI beyond erasure) is swept
    await owner.query(`CREATE TABLE "seen_rb__g7" (LIKE "seen_rb__g2")`);
    await rebuildProjection({ ownerPool: owner, store, projection });
    const generations = (await owner.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'seen_rb__g%' ORDER BY relname`)).rows.map((r) => r.relname);
    expect(generations).toEqual(['seen_rb__g3']);
    const positions = (await database.pool.query(`SELECT position FROM seen_rb ORDER BY position`)).rows.map((r) => Number(r.position));
    const all = (await database.pool.query(`SELECT position FROM ledger_events ORDER BY position`)).rows.map((r) => Number(r.position));
    expect(positions).toEqual(all);
    await runner.stop();
  });

  it('hands an envelope-only projection events without data, and lingers so that batches gather events', async () => {
    await createTables(owner, 'seen_env');
    const batches: (readonly RecordedEvent[])[] = [];
    const projection: Projection = {
      name: 'seen_env',
      version: 1,
      tables: ['seen_env'],
      readsData: false,
      batchLingerMs: 300,
      async apply(_batch, events) {
        batches.push(events);
      },
    };
    const runner = new ProjectionRunner(database.pool, store, [projection], { logger, pollMs: 50 });
    await runner.start();
    try {
      const seen = (stream: string) => batches.flat().filter((recorded) => recorded.streamId === stream);
      // caught up with the events of the other specs once this marker has come through
      await store.appendToStream('env-marker', [event()]);
      await until(async () => seen('env-marker').length === 1);
      const caughtUp = batches.length;
      // twenty appends within the linger: without it, each wake-up would make a batch of one or two
      for (let i = 0; i < 20; i++) await store.appendToStream('env', [{ ...event(), data: { secret: `value ${i}` } }]);
      await until(async () => seen('env').length === 20);
      expect(batches.length - caughtUp).toBeLessThanOrEqual(3);
      const [first] = seen('env');
      expect(first.data).toEqual({});
      const [stored] = await store.readStream('env');
      expect(first.payloadDigest).toBe(stored.payloadDigest);
      expect(stored.data).toEqual({ secret: 'value 0' });
    } finally {
      await runner.stop();
    }
  });
});
