import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { commitmentOf } from '@pi-ledger/audit/commitment';

export interface AuditEventFilter {
  subjectId?: string;
  type?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  limit: number;
  /** Exclusive: entries after this position. */
  after?: number;
}

export interface AuditEntry {
  position: number;
  eventId: string;
  type: string;
  streamId: string;
  subjectId?: string;
  actor: string;
  purposeId?: string;
  legalBasis?: string;
  categories?: string[];
  fields?: string[];
  /** An erasure's initiative (the subject's, or the handler's own under PIPL Art. 47(1)) and ground; a relationship end's ground. */
  initiative?: string;
  ground?: string;
  recordedAt: string;
  leafIndex: number | null;
  commitment: string;
}

/**
 * The log as an auditor sees it: who did what, to whose record, why — names of categories and
 * fields, never their values. Listed in tree order (leaf index, the gap-free global order), so a
 * page never skips an event that committed late with a smaller position; an event appears once
 * the audit projection has added it. `GET /v1/audit/events/{id}` shows one at once (leafIndex null
 * until then).
 */
@Injectable()
export class AuditEventsQuery {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(filter: AuditEventFilter): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.subjectId) add(`e.data->>'subjectId' = ?`, filter.subjectId);
    if (filter.type) add('e.type = ?', filter.type);
    if (filter.actor) add(`e.metadata->>'actor' = ?`, filter.actor);
    if (filter.from) add('e.recorded_at >= ?', filter.from);
    if (filter.to) add('e.recorded_at < ?', filter.to);
    if (filter.after !== undefined) add('l.leaf_index > ?', filter.after);
    params.push(filter.limit + 1);
    const { rows } = await this.pool.query(
      `SELECT e.*, e.position::text AS pos, e.stream_version::text AS ver, l.leaf_index::text AS leaf
         FROM ledger_events e JOIN audit_leaves l ON l.position = e.position
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY l.leaf_index LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, filter.limit).map(toEntry);
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1].leafIndex) : null };
  }

  async one(eventId: string): Promise<AuditEntry | undefined> {
    const { rows } = await this.pool.query(
      `SELECT e.*, e.position::text AS pos, e.stream_version::text AS ver, l.leaf_index::text AS leaf
         FROM ledger_events e LEFT JOIN audit_leaves l ON l.position = e.position WHERE e.event_id = $1`,
      [eventId],
    );
    return rows[0] ? toEntry(rows[0]) : undefined;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pg row, mapped here
function toEntry(row: Record<string, any>): AuditEntry {
  const event: RecordedEvent = {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
    streamId: row.stream_id,
    streamVersion: Number(row.ver),
    position: Number(row.pos),
    checkpoint: { transactionId: 0, position: Number(row.pos) },
    payloadDigest: row.payload_digest.toString('hex'),
  };
  const data = row.data as Record<string, unknown>;
  const categories = Array.isArray(data.categories) ? (data.categories as string[]) : typeof data.category === 'string' ? [data.category] : undefined;
  const fieldSource = (data.fields ?? data.set) as Record<string, unknown> | undefined;
  const fields = fieldSource && typeof fieldSource === 'object' ? Object.keys(fieldSource) : typeof data.field === 'string' ? [data.field] : undefined;
  return {
    position: event.position,
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    ...(typeof data.subjectId === 'string' ? { subjectId: data.subjectId } : {}),
    actor: event.metadata.actor,
    ...(event.metadata.purposeId ? { purposeId: event.metadata.purposeId } : {}),
    ...(event.metadata.legalBasis ? { legalBasis: event.metadata.legalBasis } : {}),
    ...(categories ? { categories } : {}),
    ...(fields ? { fields } : {}),
    ...(typeof data.initiative === 'string' ? { initiative: data.initiative } : {}),
    ...(typeof data.ground === 'string' ? { ground: data.ground } : event.type === 'RelationshipEnded' && typeof data.reason === 'string' ? { ground: data.reason } : {}),
    recordedAt: new Date(row.recorded_at).toISOString(),
    leafIndex: row.leaf === null ? null : Number(row.leaf),
    commitment: commitmentOf(event),
  };
}
