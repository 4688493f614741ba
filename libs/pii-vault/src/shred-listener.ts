import { Pool, PoolClient } from 'pg';
import { SHRED_CHANNEL } from './vault-tables';

const RELISTEN_MS = 1000;

export interface ShredListenerOptions {
  /** How often the LISTEN connection is probed. Default 5 s. */
  heartbeatMs?: number;
  /** A probe not answered within this is a lost connection. Default 3 s. */
  heartbeatTimeoutMs?: number;
}

/**
 * Keys shredded by another process (the API erases, the projector holds the same key in its
 * cache) must leave this process's cache too: shreds NOTIFY the subject id on commit and every
 * vault LISTENs. While the connection is down notifications are lost, so a reconnect also calls
 * `onGap`, which empties the whole cache.
 *
 * A connection can also be lost without a word: when the database host dies or fails over, no FIN
 * or RST arrives and an idle socket looks alive for as long as TCP cares to wait. Then neither
 * shreds nor the crash itself would reach this cache (keys committed without a WAL flush may be
 * gone from the new server: key-management.md), so the connection is probed with a heartbeat and
 * treated as lost when a probe fails or goes unanswered.
 */
export class ShredListener {
  private client?: PoolClient;
  private closed = false;
  private retry?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly onShred: (subjectId: string) => void,
    private readonly onGap: () => void,
    private readonly options: ShredListenerOptions = {},
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
    this.startHeartbeat(client);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('notification');
      client.release(true);
    }
  }

  private startHeartbeat(client: PoolClient): void {
    clearInterval(this.heartbeat);
    const timeoutMs = this.options.heartbeatTimeoutMs ?? 3000;
    let probing = false;
    this.heartbeat = setInterval(() => {
      if (probing || this.client !== client) return;
      probing = true;
      let timer: NodeJS.Timeout | undefined;
      const unanswered = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('heartbeat unanswered')), timeoutMs);
      });
      Promise.race([client.query('SELECT 1'), unanswered])
        .catch(() => this.lost(client))
        .finally(() => {
          clearTimeout(timer);
          probing = false;
        });
    }, this.options.heartbeatMs ?? 5000);
    this.heartbeat.unref();
  }

  private lost(client: PoolClient): void {
    if (this.client !== client) return;
    clearInterval(this.heartbeat);
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
