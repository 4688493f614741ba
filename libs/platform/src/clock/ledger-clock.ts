/**
 * What time it is for the ledger: every decision's `now` (registrations, consents, due dates,
 * erasure times, hold expiry, retention, ages) comes from this one injected clock. Only logs,
 * metrics, timeouts and lease timers read the host's clock directly (`npm run lint` enforces it).
 */
export type LedgerClock = () => Date;

/** Injection token of the LedgerClock; tests pin it, drills move it forward. */
export const LEDGER_CLOCK = Symbol('LEDGER_CLOCK');

/** The host's clock: the one place the ledger reads it for decisions. */
export const systemClock: LedgerClock = () => new Date();

/**
 * A clock that starts at `start` and then runs at the host's pace: dates are fixed across runs (a
 * test passes on any calendar day) while times still move forward between two calls.
 */
export function pinnedClock(start: Date | string, hostNow: () => number = Date.now): LedgerClock {
  const origin = new Date(start).getTime();
  const startedAt = hostNow();
  return () => new Date(origin + (hostNow() - startedAt));
}
