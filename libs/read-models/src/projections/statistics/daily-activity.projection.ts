import { BEGINNING, compareCheckpoints, GlobalCheckpoint, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { Projection, ProjectionBatch } from '../../runner/projection';

/** Events that collect or change a subject's data. */
export const COLLECTION_TYPES: readonly string[] = ['DataCollected', 'DataUpdated', 'DataCorrected', 'DataSupplemented', 'DataItemAdded'];
/** Every event of the rights-request workflow is named `RightsRequest…`. */
export const RIGHTS_REQUEST_PREFIX = 'RightsRequest';

/**
 * The collection types, and any type starting with `RightsRequest` (those events are not defined
 * yet, and new ones must count without a change here). `has` matches the prefix; iterating lists
 * only the collection types.
 */
class ActivityEventTypes extends Set<string> {
  override has(type: string): boolean {
    return super.has(type) || type.startsWith(RIGHTS_REQUEST_PREFIX);
  }
}

/**
 * `daily_activity`: how many events of each type were recorded per day (UTC, by `recordedAt`).
 * Each row remembers the last event it counted; events arrive in global order, so an event at or
 * before that checkpoint was counted already and a replay adds nothing.
 */
export class DailyActivityProjection implements Projection {
  readonly name = 'daily_activity';
  readonly version = 1;
  readonly tables = ['daily_activity'];
  readonly eventTypes: ReadonlySet<string> = new ActivityEventTypes(COLLECTION_TYPES);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const table = batch.table('daily_activity');
    const groups = new Map<string, { day: string; kind: string; events: RecordedEvent[] }>();
    for (const event of events) {
      const day = event.recordedAt.toISOString().slice(0, 10);
      const key = `${day}\n${event.type}`;
      const group = groups.get(key) ?? { day, kind: event.type, events: [] };
      group.events.push(event);
      groups.set(key, group);
    }
    const keys = [...groups.values()];
    const { rows } = await batch.client.query(
      `SELECT day::text AS day, kind, last_transaction_id::text AS tx, last_position::text AS pos FROM ${table}
        WHERE (day, kind) IN (SELECT * FROM unnest($1::date[], $2::text[]))`,
      [keys.map((k) => k.day), keys.map((k) => k.kind)],
    );
    const counted = new Map<string, GlobalCheckpoint>(rows.map((row) => [`${row.day}\n${row.kind}`, { transactionId: Number(row.tx), position: Number(row.pos) }]));
    const increments = keys.flatMap(({ day, kind, events: group }) => {
      const last = counted.get(`${day}\n${kind}`) ?? BEGINNING;
      const fresh = group.filter((event) => compareCheckpoints(event.checkpoint, last) > 0);
      if (fresh.length === 0) return [];
      const newest = fresh[fresh.length - 1].checkpoint;
      return [{ day, kind, count: fresh.length, last_transaction_id: newest.transactionId, last_position: newest.position }];
    });
    if (increments.length === 0) return;
    await batch.client.query(
      `INSERT INTO ${table} AS a (day, kind, count, last_transaction_id, last_position)
       SELECT day, kind, count, last_transaction_id, last_position
         FROM jsonb_to_recordset($1::jsonb) AS r(day date, kind text, count bigint, last_transaction_id bigint, last_position bigint)
       ON CONFLICT (day, kind) DO UPDATE SET count = a.count + EXCLUDED.count,
         last_transaction_id = EXCLUDED.last_transaction_id, last_position = EXCLUDED.last_position`,
      [JSON.stringify(increments)],
    );
  }
}
