import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { compareCheckpoints, NewEvent, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { PostgresEventStore } from '@pi-ledger/event-store/postgres/postgres-event-store';
import { Projection, ProjectionBatch } from './projection';
import { ProjectionRunner } from './projection-runner';
import { ProjectionCheckpoints } from './projection-checkpoints';
import { rebuildProjection } from './projection-rebuild';
import { ProjectionQuarantine, ReplayFailed, replayStream, StreamNotQuarantined } from './projection-quarantine';

/**
 * One row per event, keyed by position, WITHOUT an idempotency guard: any event applied twice
 * (two workers, a replayed batch) fails on the primary key, so these specs see double processing.
 * An event of its `poisonType` carries a text for an integer column: while `poisonous`, PostgreSQL
 * refuses it (22P02, its message echoing the value); once fixed (a new release), it stores NULL.
 * Each spec poisons with a type of its own, so the others' projections are not stopped by it.
 */
class SeenProjection implements Projection {
  readonly version = 1;
  readonly tables: string[];
  poisonous = true;
  constructor(
    readonly name: string,
    readonly poisonType = 'Poison',
  ) {
    this.tables = [name];
  }
  async apply({ client, table }: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      const n = event.type === this.poisonType && this.poisonous ? (event.data.n ?? null) : null;
      await client.query(`INSERT INTO ${table(this.name)} (position, stream_id, n) VALUES ($1, $2, $3)`, [event.position, event.streamId, n]);
    }
  }
  async forgetStream({ client, table }: ProjectionBatch, streamId: string): Promise<void> {
    await client.query(`DELETE FROM ${table(this.name)} WHERE stream_id = $1`, [streamId]);
  }
}

const logger = pino({ level: 'silent' });
const event = (type = 'Seen', data: NewEvent['data'] = {}): NewEvent => ({ type, data, metadata: { actor: 'spec', roles: ['ops'], correlationId: randomUUID() } });
/** What a personal value would look like in a bad event: it must never reach the quarantine's row, the checkpoints or the logs. */
const CANARY = 'canary-13812345678';
const poison = (type: string) => event(type, { n: CANARY });

async function createTables(owner: Pool, name: string) {
  await owner.query(`CREATE TABLE "${name}__g1" (position bigint PRIMARY KEY, stream_id text NOT NULL, n integer)`);
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
  const streamRows = async (table: string, streamId: string) =>
    Number((await database.pool.query(`SELECT count(*) FROM "${table}" WHERE stream_id = $1`, [streamId])).rows[0].count);
  const quarantineRows = async (projection: string) =>
    (await database.pool.query(`SELECT * FROM projection_quarantine WHERE projection = $1 ORDER BY generation, position`, [projection])).rows;

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

  it('quarantines the stream of an event it cannot apply, records no data, and goes on with every other stream', async () => {
    await createTables(owner, 'seen_q');
    const projection = new SeenProjection('seen_q', 'PoisonQ');
    const lines: string[] = [];
    const sink = pino({ level: 'info' }, new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) }));
    await store.appendToStream('q-good-1', [event(), event()]);
    await store.appendToStream('q-bad', [event(), event()]);
    const bad = await store.appendToStream('q-bad', [poison('PoisonQ')]);
    await store.appendToStream('q-good-2', [event()]);
    const runner = new ProjectionRunner(database.pool, store, [projection], { logger: sink, batchSize: 100, pollMs: 50 });
    await runner.start();
    try {
      await until(async () => (await quarantineRows('seen_q')).length === 1);
      const later = await store.appendToStream('q-bad', [event()]); // skipped: the stream is quarantined
      const last = await store.appendToStream('q-good-1', [event()]); // applied
      // the last event's own checkpoint: the log's visible head may still lag behind it, held back by
      // a transaction open in another test file's database (the horizon is the cluster's)
      const target = (await store.checkpointOf(last.position))!;
      await until(async () => compareCheckpoints((await new ProjectionCheckpoints(database.pool).get('seen_q'))!.checkpoint, target) >= 0);

      const badEvents = (await store.readStream('q-bad')).length;
      expect(await count('seen_q')).toBe((await eventCount()) - badEvents); // every event but q-bad's, which the projection forgot
      expect(await streamRows('seen_q', 'q-bad')).toBe(0);
      expect(await new ProjectionCheckpoints(database.pool).get('seen_q')).toMatchObject({ status: 'running' });
      const [row] = await quarantineRows('seen_q');
      const [stored] = await store.readStream('q-bad', { fromVersion: 3, maxCount: 1 });
      expect(row).toEqual({
        projection: 'seen_q',
        generation: 1,
        stream_id: 'q-bad',
        transaction_id: String(stored.checkpoint.transactionId),
        position: String(bad.position),
        event_id: stored.eventId,
        event_type: 'PoisonQ',
        stream_version: '3',
        error_code: '22P02',
        error_class: 'PostgreSQL: invalid text representation',
        quarantined_at: expect.any(Date),
      });
      expect(later.position).toBeGreaterThan(bad.position);
      const everything = JSON.stringify([await quarantineRows('seen_q'), await new ProjectionCheckpoints(database.pool).all(), lines]);
      expect(everything).not.toContain(CANARY);
      expect(lines.join('')).toContain('stream quarantined');

      const status = await new ProjectionQuarantine(database.pool).list('seen_q');
      expect(status).toEqual([expect.objectContaining({ streamId: 'q-bad', position: bad.position, streamVersion: 3, code: '22P02' })]);
    } finally {
      await runner.stop();
    }
  });

  it('replays a quarantined stream: refused, changing nothing, while it still fails; after the fix, from its first event, and the runner follows it again', async () => {
    await createTables(owner, 'seen_replay');
    const projection = new SeenProjection('seen_replay', 'PoisonR');
    await store.appendToStream('r-bad', [event(), poison('PoisonR'), event()]);
    const runner = new ProjectionRunner(database.pool, store, [projection], { logger, batchSize: 100, pollMs: 50 });
    await runner.start();
    try {
      await until(async () => (await quarantineRows('seen_replay')).length === 1);
      await expect(replayStream({ pool: database.pool, store, projection, streamId: 'r-bad' })).rejects.toThrow(ReplayFailed);
      await expect(replayStream({ pool: database.pool, store, projection, streamId: 'r-bad' })).rejects.toThrow(/version 2 of stream r-bad, still fails: 22P02/);
      expect(await quarantineRows('seen_replay')).toHaveLength(1);
      expect(await streamRows('seen_replay', 'r-bad')).toBe(0);
      await expect(replayStream({ pool: database.pool, store, projection, streamId: 'never-quarantined' })).rejects.toThrow(StreamNotQuarantined);

      projection.poisonous = false; // the fixed release
      await store.appendToStream('r-bad', [event()]); // after the checkpoint, or not yet seen: the runner's
      const { events } = await replayStream({ pool: database.pool, store, projection, streamId: 'r-bad' });
      expect(events).toBeGreaterThanOrEqual(3);
      expect(await quarantineRows('seen_replay')).toEqual([]);
      await store.appendToStream('r-bad', [event()]);
      await until(async () => (await streamRows('seen_replay', 'r-bad')) === 5);
      const positions = (await database.pool.query(`SELECT position FROM seen_replay WHERE stream_id = 'r-bad' ORDER BY position`)).rows.map((r) => Number(r.position));
      expect(positions).toEqual((await store.readStream('r-bad')).map((e) => e.position));
    } finally {
      await runner.stop();
    }
  });

  it('stops, instead of quarantining, a projection that does not quarantine, one whose fault is its own (SQLSTATE 42), and one past its quarantine cap', async () => {
    for (const name of ['seen_strict', 'seen_systemic', 'seen_capped']) await createTables(owner, name);
    const strict = Object.assign(new SeenProjection('seen_strict', 'PoisonS'), { quarantines: false });
    const systemic = new SeenProjection('seen_systemic', 'PoisonS');
    systemic.apply = async ({ client, table }, events) => {
      for (const e of events)
        await client.query(`INSERT INTO ${table('seen_systemic')} (position, stream_id, ${e.type === 'PoisonS' ? 'no_such_column' : 'n'}) VALUES ($1, $2, NULL)`, [
          e.position,
          e.streamId,
        ]);
    };
    const capped = new SeenProjection('seen_capped', 'PoisonS');
    const checkpoints = new ProjectionCheckpoints(database.pool);
    await store.appendToStream('s-a', [event(), event()]);
    const first = await store.appendToStream('s-b', [poison('PoisonS')]);
    const second = await store.appendToStream('s-c', [poison('PoisonS')]);
    await store.appendToStream('s-d', [event()]);
    const runner = new ProjectionRunner(database.pool, store, [strict, systemic, capped], { logger, batchSize: 100, pollMs: 50, maxQuarantinedStreams: 1 });
    await runner.start();
    try {
      for (const name of ['seen_strict', 'seen_systemic', 'seen_capped']) await until(async () => (await checkpoints.get(name))?.status === 'failed');
      const before = (position: number) => database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE position < $1`, [position]).then((r) => r.rows[0].n);
      expect(await checkpoints.get('seen_strict')).toMatchObject({
        failedPosition: first.position,
        lastError: expect.stringMatching(/PoisonS.*22P02: PostgreSQL: invalid text representation; this projection stops/),
      });
      expect(await count('seen_strict')).toBe(await before(first.position)); // all before the poison, none after
      expect(await checkpoints.get('seen_systemic')).toMatchObject({ failedPosition: first.position, lastError: expect.stringContaining('42703') });
      expect(await quarantineRows('seen_systemic')).toEqual([]);
      expect(await checkpoints.get('seen_capped')).toMatchObject({ failedPosition: second.position, lastError: expect.stringContaining('1 streams are quarantined already') });
      expect((await quarantineRows('seen_capped')).map((r) => r.stream_id)).toEqual(['s-b']);
      expect(await count('seen_capped')).toBe((await before(second.position)) - 1);
      for (const name of ['seen_strict', 'seen_systemic', 'seen_capped']) expect((await checkpoints.get(name))!.lastError).not.toContain(CANARY);

      strict.poisonous = false; // a fixed release, then `projections resume`
      await checkpoints.setStatus('seen_strict', 'running');
      await until(async () => (await count('seen_strict')) === (await eventCount()));
    } finally {
      await runner.stop();
    }
  });

  it('tries a transiently failing batch again instead of quarantining', async () => {
    await createTables(owner, 'seen_transient');
    const projection = new SeenProjection('seen_transient');
    projection.poisonous = false;
    let failures = 2;
    const apply = projection.apply.bind(projection);
    projection.apply = async (batch, events) => {
      if (failures-- > 0) throw Object.assign(new Error('could not serialize access'), { code: '40001', severity: 'ERROR' });
      return apply(batch, events);
    };
    const runner = new ProjectionRunner(database.pool, store, [projection], { logger, batchSize: 100, pollMs: 50 });
    await runner.start();
    try {
      await until(async () => (await count('seen_transient')) === (await eventCount()));
      expect(await quarantineRows('seen_transient')).toEqual([]);
    } finally {
      await runner.stop();
    }
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

  it('rebuilds with streams that still fail quarantined in the new generation, and without them once fixed', async () => {
    await createTables(owner, 'seen_rbq');
    const projection = new SeenProjection('seen_rbq', 'PoisonRB');
    await store.appendToStream('rbq-bad', [event(), poison('PoisonRB')]);
    await store.appendToStream('rbq-good', [event()]);
    const runner = new ProjectionRunner(database.pool, store, [projection], { logger, batchSize: 100, pollMs: 50 });
    await runner.start();
    try {
      await until(async () => (await quarantineRows('seen_rbq')).length === 1);
      const seen: string[] = [];
      const result = await rebuildProjection({ ownerPool: owner, store, projection, batchSize: 7, onQuarantine: (streamId) => seen.push(streamId) });
      expect(result).toMatchObject({ generation: 2, quarantined: 1 });
      expect(seen).toEqual(['rbq-bad']);
      expect((await quarantineRows('seen_rbq')).map((r) => [r.generation, r.stream_id])).toEqual([[2, 'rbq-bad']]);
      const badEvents = (await store.readStream('rbq-bad')).length;
      await until(async () => (await count('seen_rbq')) === (await eventCount()) - badEvents);

      projection.poisonous = false;
      expect(await rebuildProjection({ ownerPool: owner, store, projection })).toMatchObject({ generation: 3, quarantined: 0 });
      expect(await quarantineRows('seen_rbq')).toEqual([]);
      await until(async () => (await count('seen_rbq')) === (await eventCount()));
    } finally {
      await runner.stop();
    }
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
  it('moves past events it does not take without applying them, and not while paused or after another worker took the lease', async () => {
    await createTables(owner, 'seen_typed');
    const applied: string[] = [];
    const projection: Projection = {
      name: 'seen_typed',
      version: 1,
      tables: ['seen_typed'],
      eventTypes: new Set(['Taken']),
      async apply(_batch, events) {
        applied.push(...events.map((recorded) => recorded.type));
      },
    };
    const checkpoints = new ProjectionCheckpoints(database.pool);
    const checkpoint = async () => (await checkpoints.get('seen_typed'))!.checkpoint;
    const runner = new ProjectionRunner(database.pool, store, [projection], { logger, pollMs: 50 });
    await runner.start();
    try {
      await store.appendToStream('typed', [event('Ignored'), event('Ignored')]);
      await until(async () => compareCheckpoints(await checkpoint(), await store.headCheckpoint()) === 0);
      expect(applied).toEqual([]);
      await store.appendToStream('typed', [event('Taken')]);
      await until(async () => applied.length === 1);

      // paused while caught up: what comes next, taken or not, leaves the checkpoint where it is
      expect(await checkpoints.setStatus('seen_typed', 'paused')).toBe(true);
      const paused = await checkpoint();
      await store.appendToStream('typed', [event('Ignored')]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await checkpoint()).toEqual(paused);
      expect(await checkpoints.setStatus('seen_typed', 'running')).toBe(true);
      await until(async () => compareCheckpoints(await checkpoint(), await store.headCheckpoint()) === 0);

      // the lease taken by another worker (this one's expired): this one moves nothing
      await database.pool.query(`UPDATE projection_leases SET owner = 'someone-else', expires_at = now() + interval '1 hour' WHERE name = 'seen_typed'`);
      const leased = await checkpoint();
      await store.appendToStream('typed', [event('Ignored')]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await checkpoint()).toEqual(leased);
      expect(applied).toEqual(['Taken']);
    } finally {
      await runner.stop();
    }
  });
});
