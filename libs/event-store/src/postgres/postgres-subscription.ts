import { GlobalCheckpoint, GlobalLog, LogWakeups, RecordedEvent, Subscription } from '../event-store.port';

const HELD_BACK_FIRST_RETRY_MS = 5;

/**
 * Catch-up then live: reads batches from its checkpoint until the log is exhausted, then waits for
 * a wake-up (or the poll interval). Pull-driven: the next batch is read only after the consumer has
 * taken every event of the previous one.
 */
export class PostgresSubscription implements Subscription {
  private stopped = false;

  constructor(
    private readonly store: Pick<GlobalLog, 'readGlobalBatch'>,
    private readonly wakeups: LogWakeups,
    private readonly from: GlobalCheckpoint,
    private readonly batchSize: number,
    private readonly pollIntervalMs: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    let checkpoint = this.from;
    let heldBackDelay = HELD_BACK_FIRST_RETRY_MS;
    try {
      while (!this.stopped) {
        const generation = this.wakeups.generation;
        const batch = await this.store.readGlobalBatch(checkpoint, this.batchSize);
        for (const event of batch.events) {
          if (this.stopped) return;
          checkpoint = event.checkpoint;
          yield event;
        }
        if (batch.events.length > 0) {
          heldBackDelay = HELD_BACK_FIRST_RETRY_MS;
        } else if (batch.heldBack) {
          // Committed events wait behind an older running transaction that may not notify.
          await this.wakeups.wait(generation, heldBackDelay);
          heldBackDelay = Math.min(heldBackDelay * 2, this.pollIntervalMs);
        } else {
          await this.wakeups.wait(generation, this.pollIntervalMs);
        }
      }
    } finally {
      this.stopped = true;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeups.interrupt();
  }
}
