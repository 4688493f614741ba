import { Pool, PoolClient } from 'pg';
import { SHRED_CHANNEL } from './vault-tables';

const RELISTEN_MS = 1000;

/**
 * Keys shredded by another process (the API erases, the projector holds the same key in its
 * cache) must leave this process's cache too: shreds NOTIFY the subject id on commit and every
 * vault LISTENs. While the connection is down notifications are lost, so a reconnect also calls
 * `onGap`, which empties the whole cache.
 */
export class ShredListener {
  private client?: PoolClient;
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly onShred: (subjectId: string) => void,
    private readonly onGap: () => void,
  ) {}

  async start(): Promise<void> {
    const client = await this.pool.connect();
    if (this.closed) return client.release();
    client.on('notification', (message) => {
      if (message.channel === SHRED_CHANNEL && message.payload) this.onShred(message.payload);
    });
    client.on('error', () => this.lost(client));
    try {
      await client.query(`LISTEN ${SHRED_CHANNEL}`);
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.client = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('notification');
      client.release(true);
    }
  }

  private lost(client: PoolClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.release(true);
    this.onGap();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retry = setTimeout(() => {
      this.start()
        .then(() => this.onGap()) // shreds may have committed between the loss and the new LISTEN
        .catch(() => this.scheduleRetry());
    }, RELISTEN_MS);
    this.retry.unref();
  }
}
