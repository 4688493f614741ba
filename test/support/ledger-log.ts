import { Pool } from 'pg';
import { waitUntil } from './wait-until';

/**
 * The position of the newest event in the log's global order (transaction id, then position), 0
 * for an empty log. A read sent with `X-Ledger-Min-Position: <it>` waits until its read models
 * include everything appended so far — the access records that reads append included, whose
 * positions no response returns.
 */
export async function logHead(pool: Pool): Promise<number> {
  return (await lastEvent(pool))?.position ?? 0;
}

/** The newest event in the log's global order (transaction id, then position); undefined for an empty log. */
async function lastEvent(pool: Pool): Promise<{ tx: string; position: number } | undefined> {
  const { rows } = await pool.query<{ tx: string; position: string }>(
    `SELECT transaction_id::text AS tx, position::text FROM ledger_events ORDER BY transaction_id DESC, position DESC LIMIT 1`,
  );
  return rows[0] && { tx: rows[0].tx, position: Number(rows[0].position) };
}

/**
 * Waits until every running projection has taken in the whole log as it stands now: for a spec that
 * wrote through the API and then reads through a client that cannot send X-Ledger-Min-Position for
 * that write (another browser context, a page that did not make it).
 */
export async function readModelsCaughtUp(pool: Pool, timeoutMs = 60_000): Promise<void> {
  const head = await lastEvent(pool);
  if (!head) return;
  await waitUntil(
    "every running projection to reach the log's head",
    async () => {
      const { rowCount } = await pool.query(`SELECT 1 FROM projection_checkpoints WHERE status = 'running' AND (transaction_id, position) < ($1::bigint, $2::bigint)`, [
        head.tx,
        head.position,
      ]);
      return rowCount === 0 ? true : undefined;
    },
    timeoutMs,
  );
}

/**
 * A cut in time of the log, at the millisecond the API reports times in: an instant (ISO 8601)
 * no earlier than the `recordedAt` of every event appended so far, and earlier than that of any
 * event appended once this returns (it waits for the database's clock to pass it). For `?asOf=`
 * reads between two writes, without a fixed sleep.
 */
export async function instantAfterLog(pool: Pool, timeoutMs = 5_000): Promise<string> {
  const { rows } = await pool.query<{ at: Date | null }>(`SELECT date_trunc('milliseconds', max(recorded_at)) AS at FROM ledger_events`);
  const at = rows[0].at ?? new Date(0);
  for (const deadline = Date.now() + timeoutMs; ;) {
    const { rows: now } = await pool.query<{ passed: boolean }>(`SELECT clock_timestamp() >= $1::timestamptz + interval '1 millisecond' AS passed`, [at]);
    if (now[0].passed) return at.toISOString();
    if (Date.now() > deadline) throw new Error(`the database clock did not pass ${at.toISOString()} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
