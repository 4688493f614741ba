/**
 * Polls `probe` until it returns something other than undefined, and returns that; throws, naming
 * `what`, when `timeoutMs` (host time) passes first. For state no route lets a client wait for
 * with X-Ledger-Min-Position; never falls through.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000, intervalMs = 20): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
