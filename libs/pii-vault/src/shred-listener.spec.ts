import { createServer, Server, Socket } from 'node:net';
import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { ShredListener } from './shred-listener';

/**
 * A TCP proxy to the test server that can go silent: the sockets stay open but nothing passes,
 * as when the database host dies without a FIN or RST reaching us.
 */
async function silenceableProxy(target: URL): Promise<{ server: Server; port: number; silence: () => void }> {
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
      void pool.end().catch(() => undefined);
    }
  });
});
