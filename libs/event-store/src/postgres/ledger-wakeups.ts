import { Pool, PoolClient } from 'pg';

export const LEDGER_CHANNEL = 'ledger_events';
const NOTIFY_GAP_MS = 10;

/**
 * Wakes subscribers when events may have arrived: at once for appends made through this process,
 * and through LISTEN/NOTIFY for appends made by other processes. Senders notify after commit,
 * throttled, never inside the append transaction: PostgreSQL serialises the commits of notifying
 * transactions, which would undo group commit under concurrent writers. Subscribers also poll, so
 * a lost notification only delays them.
 */
export class LedgerWakeups {
  private currentGeneration = 0;
  private waiters = new Set<() => void>();
  private listener?: Promise<PoolClient | undefined>;
  private notifyInFlight = false;
  private notifyPending = false;
  private closed = false;
  private readonly dropped = new WeakSet<PoolClient>();

  constructor(private readonly pool: Pool) {}

  /** Changes whenever a wake-up arrives; compare before and after a read to avoid lost wake-ups. */
  get generation(): number {
    return this.currentGeneration;
  }

  appended(): void {
    this.bump();
    if (this.closed) return;
    this.notifyPending = true;
    if (!this.notifyInFlight) this.sendNotify();
  }

  /** Resolves on the next wake-up after `sinceGeneration`, on `interrupt()`, or after `timeoutMs`. */
  wait(sinceGeneration: number, timeoutMs: number): Promise<void> {
    if (this.closed || this.currentGeneration !== sinceGeneration) return Promise.resolve();
    this.listen();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  interrupt(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.interrupt();
    const client = await this.listener;
    this.listener = undefined;
    if (client) this.drop(client);
  }

  private bump(): void {
    this.currentGeneration++;
    this.interrupt();
  }

  /**
   * One LISTEN connection, opened on the first wait. When it is lost (the server restarts, a
   * network cut) its client is dropped once, waiters are woken to read again (notifications may
   * have been missed), and the next wait listens again; until then polling delivers.
   */
  private listen(): void {
    if (this.listener || this.closed) return;
    const listener: Promise<PoolClient | undefined> = this.pool
      .connect()
      .then(async (client) => {
        client.on('notification', () => this.bump());
        client.on('error', () => this.lost(client, listener));
        try {
          await client.query(`LISTEN ${LEDGER_CHANNEL}`);
        } catch (error) {
          this.drop(client);
          throw error;
        }
        return client;
      })
      .catch(() => {
        // Polling still delivers; try LISTEN again on a wait a second from now.
        setTimeout(() => {
          if (this.listener === listener) this.listener = undefined;
        }, 1000).unref();
        return undefined;
      });
    this.listener = listener;
  }

  private lost(client: PoolClient, listener: Promise<PoolClient | undefined>): void {
    this.drop(client);
    if (this.listener === listener) this.listener = undefined;
    this.bump();
  }

  /** Back to the pool to be destroyed, once: a lost connection emits more than one error. */
  private drop(client: PoolClient): void {
    if (this.dropped.has(client)) return;
    this.dropped.add(client);
    client.removeAllListeners('notification');
    client.release(true);
  }

  private sendNotify(): void {
    this.notifyInFlight = true;
    this.notifyPending = false;
    this.pool
      .query(`SELECT pg_notify('${LEDGER_CHANNEL}', '')`)
      .catch(() => undefined)
      .finally(() => {
        setTimeout(() => {
          this.notifyInFlight = false;
          if (this.notifyPending && !this.closed) this.sendNotify();
        }, NOTIFY_GAP_MS).unref();
      });
  }
}
