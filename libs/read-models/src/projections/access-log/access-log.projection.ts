import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { PERSONAL_DATA_ACCESSED, PersonalDataAccessed } from './personal-data-accessed.event';

/** `access_log`: one row per recorded read of PI, keyed by the event id, so a replay is a no-op. */
export class AccessLogProjection implements Projection {
  readonly name = 'access_log';
  readonly version = 1;
  readonly tables = ['access_log'];
  readonly eventTypes: ReadonlySet<string> = new Set([PERSONAL_DATA_ACCESSED]);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const rows = events.map((event) => {
      const access = event.data as unknown as PersonalDataAccessed['data'];
      return {
        access_id: event.eventId,
        subject_id: access.subjectId,
        actor: access.actor,
        roles: access.roles,
        purpose_id: access.purposeId,
        categories: access.categories,
        revealed: access.revealed,
        via: access.via,
        accessed_at: access.accessedAt,
        position: event.position,
        break_glass: access.breakGlass ?? null,
        export_id: access.exportId ?? null,
      };
    });
    await batch.client.query(
      `INSERT INTO ${batch.table('access_log')} (access_id, subject_id, actor, roles, purpose_id, categories, revealed, via, accessed_at, position, break_glass, export_id)
       SELECT access_id, subject_id, actor, roles, purpose_id, categories, revealed, via, accessed_at, position, break_glass, export_id
         FROM jsonb_to_recordset($1::jsonb) AS r(access_id text, subject_id text, actor text, roles text[], purpose_id text, categories text[],
              revealed text[], via text, accessed_at timestamptz, position bigint, break_glass text, export_id text)
       ON CONFLICT (access_id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }
}
