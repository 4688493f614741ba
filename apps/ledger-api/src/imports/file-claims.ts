/** The first earlier row of the file that registered (or matched) a customer by a key, once known. */
export type Claim = Promise<{ rowNumber: number; subjectId: string } | undefined>;

/**
 * The duplicate keys (blind indexes) the rows of a file claimed, in file order, for the rows after
 * them: the recent rows' in memory (some may still be in flight), older ones from the job's key
 * table. A row's keys leave memory only once its outcome (with its keys, in one transaction) is
 * recorded and `window` later rows have claimed theirs, so memory stays flat however long the file,
 * and a key not in memory is either in the table or was never claimed.
 */
export class FileClaims {
  private readonly recent = new Map<string, { claim: Claim; rowNumber: number }>();
  private readonly rows: Array<{ rowNumber: number; keys: readonly string[]; recorded: boolean }> = [];
  private readonly pending = new Map<number, { recorded: boolean }>();

  constructor(
    private readonly stored: (keys: string[]) => Promise<Map<string, { rowNumber: number; subjectId: string }>>,
    private readonly window = 4096,
  ) {}

  /** Synchronously (callers claim in file order): the earlier claims of `keys`, each then claimed for the rows after with `mine`. */
  claim(rowNumber: number, keys: readonly string[], mine: Claim): Array<Claim | undefined> {
    const missing = keys.filter((key) => !this.recent.has(key));
    const stored = missing.length > 0 ? this.stored(missing) : undefined;
    const earlier = keys.map((key) => this.recent.get(key)?.claim ?? stored?.then((found) => found.get(key)));
    keys.forEach((key, index) => {
      const before = earlier[index];
      this.recent.set(key, { claim: before ? before.then((claim) => claim ?? mine) : mine, rowNumber });
    });
    const entry = { rowNumber, keys, recorded: false };
    this.rows.push(entry);
    this.pending.set(rowNumber, entry);
    this.forget();
    return earlier;
  }

  /** The row's outcome and keys are in the job's tables. */
  recorded(rowNumber: number): void {
    const entry = this.pending.get(rowNumber);
    if (!entry) return;
    entry.recorded = true;
    this.pending.delete(rowNumber);
    this.forget();
  }

  get size(): number {
    return this.recent.size;
  }

  private forget(): void {
    while (this.rows.length > this.window && this.rows[0].recorded) {
      const { rowNumber, keys } = this.rows.shift()!;
      for (const key of keys) if (this.recent.get(key)?.rowNumber === rowNumber) this.recent.delete(key);
    }
  }
}
