import { createServer, Server, Socket } from 'node:net';
import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { ShredListener } from './shred-listener';
import { SHRED_CHANNEL } from './vault-tables';

/**
 * A TCP proxy to the test server that can go silent: the sockets stay open but nothing passes,
 * as when the database host dies without a FIN or RST reaching us.
 */
async function silenceableProxy(target: URL): Promise<{ server: Server; port: number; silence: () => void; destroy: () => void }> {
  const sockets: Socket[] = [];
  let silent = false;
  const server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(Number(target.port || 5432), target.hostname);
    sockets.push(client, upstream);
    client.on('data', (chunk) => silent || upstream.write(chunk));
    upstream.on('data', (chunk) => silent || client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    silence: () => {
      silent = true;
      server.close();
      sockets.forEach((socket) => socket.pause());
    },
    // the paused sockets would keep the pool's clients, and so the test worker, alive
    destroy: () => sockets.forEach((socket) => socket.destroy()),
  };
}

describe('ShredListener', () => {
  let database: TestDatabase;
  beforeAll(async () => (database = await createTestDatabase()));
  afterAll(() => database.close());

  it('treats a LISTEN connection that stops answering as lost, and empties the cache', async () => {
    const url = new URL(database.url);
    const proxy = await silenceableProxy(url);
    const viaProxy = new URL(database.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const pool = new Pool({ connectionString: viaProxy.toString(), max: 2 });
    pool.on('error', () => undefined);
    let gaps = 0;
    const listener = new ShredListener(
      pool,
      () => undefined,
      () => gaps++,
      { heartbeatMs: 100, heartbeatTimeoutMs: 200 },
    );
    try {
      await listener.start();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(gaps).toBe(0); // answered heartbeats are not gaps
      proxy.silence();
      const deadline = Date.now() + 3000;
      while (gaps === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(gaps).toBeGreaterThan(0);
    } finally {
      await listener.close();
      proxy.destroy();
      await pool.end().catch(() => undefined);
    }
  });

  it('a LISTEN connection the server terminates (as a dying server does) is a gap; it listens again and hears shreds again', async () => {
    const owner = await database.ownerClient();
    const listeners = async () =>
      (await owner.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`, [`LISTEN ${SHRED_CHANNEL}`])).rows.map(
        (row) => row.pid,
      );
    const shredded: string[] = [];
    let gaps = 0;
    const listener = new ShredListener(
      database.pool,
      (subjectId) => shredded.push(subjectId),
      () => gaps++,
    );
    try {
      await listener.start();
      const [first] = await listeners();
      await owner.query('SELECT pg_terminate_backend($1)', [first]); // FATAL 57P01, then the end of the socket
      await until(async () => gaps >= 2 && (await listeners()).length === 1 && !(await listeners()).includes(first)); // the loss, and the relisten
      await owner.query(`SELECT pg_notify($1, 'subject-after-the-loss')`, [SHRED_CHANNEL]);
      await until(async () => shredded.includes('subject-after-the-loss'));
    } finally {
      await listener.close();
    }
  });
});

async function until(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  for (const start = Date.now(); !(await check());) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
