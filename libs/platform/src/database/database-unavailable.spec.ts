import { createServer } from 'node:net';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { createLedgerPool } from './ledger-database';
import { createResilientPool, DATABASE_RETRY_AFTER_SECONDS, DatabaseUnavailable, isDatabaseUnavailable } from './database-unavailable';
import { problemForCode } from '../http/problem';

/** The service's pool when its database goes away: typed errors, never an unhandled `error` event. */
describe('the service pool when the database is unavailable', () => {
  let database: TestDatabase;
  let owner: Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    owner = await database.ownerClient();
  });
  afterAll(() => database.close());

  const terminate = (pid: number) => owner.query('SELECT pg_terminate_backend($1)', [pid]);

  it('a checked-out client whose connection is terminated (57P01) fails its next query as database-unavailable, and the pool goes on', async () => {
    const client = await database.pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await client.query('BEGIN');
    await terminate(rows[0].pid); // FATAL 57P01 then the socket's end: two `error` events on a checked-out client
    await new Promise((resolve) => setTimeout(resolve, 200));
    const failure = await client.query('SELECT 1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseUnavailable);
    expect(failure).toMatchObject({ code: 'database-unavailable', details: { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS } });
    client.release();
    // the broken client was discarded, not handed out again
    const results = await Promise.all(Array.from({ length: 12 }, () => database.pool.query('SELECT 1 AS one')));
    expect(results.map((result) => result.rows[0].one)).toEqual(Array(12).fill(1));
  });

  it('a statement running when its backend is terminated rejects as database-unavailable', async () => {
    const client = await database.pool.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const running = client.query('SELECT pg_sleep(5)').catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await terminate(rows[0].pid);
      const failure = await running;
      expect(failure).toBeInstanceOf(DatabaseUnavailable);
      expect(((failure as DatabaseUnavailable).cause as { code?: string }).code).toBe('57P01');
    } finally {
      client.release();
    }
  });

  it('a refused connection (nothing listens) rejects pool.query and pool.connect as database-unavailable', async () => {
    const port = await closedPort();
    const url = new URL(database.url);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    const probeFails = await createLedgerPool(url.toString()).catch((error: unknown) => error);
    expect(isDatabaseUnavailable(probeFails)).toBe(true); // the start-up probe's own client: untyped, but recognised
    const pool = createResilientPool({ connectionString: url.toString(), max: 2 });
    try {
      await expect(pool.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailable);
      await expect(pool.connect()).rejects.toMatchObject({ code: 'database-unavailable', cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
    } finally {
      await pool.end();
    }
  });

  it('leaves every other error as it was: a statement at fault is not an outage', async () => {
    await expect(database.pool.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
    await expect(database.pool.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
  });

  it('is registered as a 503 problem', () => {
    expect(problemForCode('database-unavailable')).toEqual({ status: 503, title: 'Database unavailable' });
  });

  it.each([
    [{ code: 'ECONNREFUSED' }, true],
    [{ code: '57P01', message: 'terminating connection due to unexpected postmaster exit' }, true],
    [{ code: '57P03', message: 'the database system is starting up' }, true],
    [{ code: '08006' }, true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('Client has encountered a connection error and is not queryable'), true],
    [new Error('timeout exceeded when trying to connect'), true],
    [Object.assign(new AggregateError([{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }]), {}), true],
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }, false],
    [{ code: '40001' }, false],
    [new Error('Connection terminated by a subject'), false],
    [undefined, false],
  ])('classifies %p as unavailable: %p', (error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
