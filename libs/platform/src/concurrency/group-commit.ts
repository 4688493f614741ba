/**
 * Writes items together: one write runs at a time, and the items that arrive while it runs go in
 * the next one, so a batch grows with the load and a lone item waits for nobody. Each `add`
 * settles with its own item's result, or the batch's error.
 */
export class GroupCommit<T, R> {
  private queue: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 500,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.maxBatch);
    void this.write(batch.map((entry) => entry.item))
      .then(
        (results) => batch.forEach((entry, index) => entry.resolve(results[index])),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        this.running = false;
        this.pump();
      });
  }
}
