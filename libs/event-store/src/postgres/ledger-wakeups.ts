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
    if (client) {
      client.removeAllListeners('notification');
      client.release(true);
    }
  }

  private bump(): void {
    this.currentGeneration++;
    this.interrupt();
  }

  private listen(): void {
    if (this.listener || this.closed) return;
    this.listener = this.pool
      .connect()
      .then(async (client) => {
        client.on('notification', () => this.bump());
        client.on('error', () => this.relisten(client));
        await client.query(`LISTEN ${LEDGER_CHANNEL}`);
        return client;
      })
      .catch(() => {
        // Polling still delivers; try LISTEN again on a later wait.
        setTimeout(() => (this.listener = undefined), 1000).unref();
        return undefined;
      });
  }

  private relisten(client: PoolClient): void {
    client.release(true);
    this.listener = undefined;
    this.bump();
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
