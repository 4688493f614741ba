import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { decodeCursor, encodeCursor } from '../keyset-cursor';
import type { PersonalDataAccessed } from './personal-data-accessed.event';

export interface AccessRecord {
  accessId: string;
  subjectId: string;
  actor: string;
  roles: string[];
  purposeId: string | null;
  categories: string[];
  revealed: string[];
  /** The event's own list (personal-data-accessed.event.ts), not a copy to keep in step. */
  via: PersonalDataAccessed['data']['via'];
  accessedAt: string;
  position: number;
  /** The break-glass reason code when the read was outside the reader's assignment; null otherwise. */
  breakGlass: string | null;
  /** The bulk export whose file held the customer's row (only then present). */
  exportId?: string;
}

export interface AccessLogFilter {
  subjectId?: string;
  actor?: string;
  /** Accessed at or after `from`, before `to`. */
  from?: Date;
  to?: Date;
  /** Only break-glass reads. */
  breakGlass?: boolean;
  /** Only the rows of this bulk export's file. */
  exportId?: string;
  limit: number;
  cursor?: string;
}

export class InvalidCursorError extends Error {
  readonly code = 'invalid-cursor';

  constructor() {
    super('cursor: not a cursor this endpoint returned');
  }
}

/** Reads of the `access_log` view, newest first, in pages. */
@Injectable()
export class AccessLogQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async list(filter: AccessLogFilter): Promise<{ items: AccessRecord[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: (placeholder: (value: unknown) => string) => string) => where.push(condition((value) => `$${params.push(value)}`));
    if (filter.subjectId) add((p) => `subject_id = ${p(filter.subjectId)}`);
    if (filter.actor) add((p) => `actor = ${p(filter.actor)}`);
    if (filter.from) add((p) => `accessed_at >= ${p(filter.from)}`);
    if (filter.to) add((p) => `accessed_at < ${p(filter.to)}`);
    if (filter.breakGlass) add(() => `break_glass IS NOT NULL`);
    if (filter.exportId) add((p) => `export_id = ${p(filter.exportId)}`);
    if (filter.cursor) {
      const key = decodeCursor(filter.cursor, 2);
      if (!key || Number.isNaN(Date.parse(key[0]))) throw new InvalidCursorError();
      add((p) => `(accessed_at, access_id) < (${p(key[0])}::timestamptz, ${p(key[1])})`);
    }
    const { rows } = await this.pool.query(
      `SELECT access_id, subject_id, actor, roles, purpose_id, categories, revealed, via, accessed_at, position::text AS position, break_glass, export_id
         FROM access_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY accessed_at DESC, access_id DESC LIMIT $${params.push(filter.limit + 1)}`,
      params,
    );
    const items: AccessRecord[] = rows.slice(0, filter.limit).map((row) => ({
      accessId: row.access_id,
      subjectId: row.subject_id,
      actor: row.actor,
      roles: row.roles,
      purposeId: row.purpose_id,
      categories: row.categories,
      revealed: row.revealed,
      via: row.via,
      accessedAt: (row.accessed_at as Date).toISOString(),
      position: Number(row.position),
      breakGlass: row.break_glass,
      ...(row.export_id ? { exportId: row.export_id as string } : {}),
    }));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > filter.limit && last ? encodeCursor([last.accessedAt, last.accessId]) : null };
  }
}
