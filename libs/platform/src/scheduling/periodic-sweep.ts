import type { Pool } from 'pg';
import type { Logger } from 'pino';

/**
 * A job that runs every `intervalMs` in this process (0: never), one run at a time: a run longer
 * than the interval skips a beat instead of piling up. `stop()` clears the timer and waits for a
 * run in progress, so a module's onModuleDestroy never closes the pool under it. The timer is
 * unref'd: it never keeps the process alive. Used by the retention sweep and the workflow sweeps
 * (escalations, recurring plans); each job takes its time from LEDGER_CLOCK when it runs.
 */
export class PeriodicSweep {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.run()
        .catch((error) => this.logger.warn({ err: error, sweep: this.name }, `${this.name} failed; the next run tries again`))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

/**
 * Runs `body` while holding the PostgreSQL session advisory lock `key` (a bigint as a string), so
 * one process at a time does a sweep per database; `{ ran: false }` when another holds it.
 */
export async function withAdvisoryLock<T>(pool: Pool, key: string, body: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
  const lock = await pool.connect();
  try {
    const { rows } = await lock.query(`SELECT pg_try_advisory_lock($1::bigint) AS locked`, [key]);
    if (!rows[0].locked) return { ran: false };
    try {
      return { ran: true, result: await body() };
    } finally {
      await lock.query(`SELECT pg_advisory_unlock($1::bigint)`, [key]);
    }
  } finally {
    lock.release();
  }
}

/**
 * An interval in minutes from the environment variable `variable`: unset or empty gives
 * `defaultMinutes`; otherwise an integer from 0 (off) to 10080 (a week), anything else fails the
 * start with a message naming the variable. Returns milliseconds.
 */
export function intervalFromEnv(env: NodeJS.ProcessEnv, variable: string, defaultMinutes: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return defaultMinutes * 60_000;
  const minutes = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || minutes > 10_080) throw new Error(`${variable} must be an integer from 0 (off) to 10080 minutes, got ${JSON.stringify(raw)}`);
  return minutes * 60_000;
}
