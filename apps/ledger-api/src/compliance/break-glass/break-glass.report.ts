import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { DataErasedError, EncryptedValue, isEncryptedValue, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { FREE_TEXT_CATEGORY, ERASED } from '@pi-ledger/pii-vault/subject-event-codec';
import { BREAK_GLASS_STREAM, BreakGlassUsed } from '@pi-ledger/ledger-domain/assignment/break-glass.events';

export interface BreakGlassFilter {
  actor?: string;
  /** Used at or after `from`, before `to` (the ledger's clock, as `usedAt`). */
  from?: Date;
  to?: Date;
  limit: number;
  /** Exclusive: entries older than this stream version. */
  before?: number;
  /** Open the notes (compliance officers); otherwise only say whether there is one. */
  withNotes: boolean;
}

export type BreakGlassEntry = Omit<BreakGlassUsed['data'], 'note'> & { note?: string; hasNote: boolean; correlationId: string; position: number };

/** The break-glass report, newest first, read from the `break-glass` stream itself (one index range). */
@Injectable()
export class BreakGlassReport {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
  ) {}

  async list(filter: BreakGlassFilter): Promise<{ items: BreakGlassEntry[]; nextCursor: string | null }> {
    const params: unknown[] = [BREAK_GLASS_STREAM];
    const where = ['stream_id = $1'];
    const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
    if (filter.actor) add(`data->>'actor' = ?`, filter.actor);
    if (filter.from) add(`(data->>'usedAt')::timestamptz >= ?`, filter.from);
    if (filter.to) add(`(data->>'usedAt')::timestamptz < ?`, filter.to);
    if (filter.before !== undefined) add('stream_version < ?', filter.before);
    const { rows } = await this.pool.query(
      `SELECT stream_version, position::text AS position, data, metadata->>'correlationId' AS correlation_id
         FROM ledger_events WHERE ${where.join(' AND ')} ORDER BY stream_version DESC LIMIT $${params.push(filter.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, filter.limit);
    const items = await Promise.all(page.map((row) => this.entry(row, filter.withNotes)));
    return { items, nextCursor: rows.length > filter.limit ? String(page.at(-1).stream_version) : null };
  }

  private async entry(row: Record<string, unknown>, withNotes: boolean): Promise<BreakGlassEntry> {
    const { note, ...data } = row.data as BreakGlassUsed<EncryptedValue>['data'];
    const entry: BreakGlassEntry = { ...data, hasNote: note !== undefined, correlationId: row.correlation_id as string, position: Number(row.position) };
    if (withNotes && note !== undefined) entry.note = await this.openNote(data.breakGlassId, data.subjectId, note);
    return entry;
  }

  private async openNote(breakGlassId: string, subjectId: string, note: EncryptedValue): Promise<string> {
    if (!isEncryptedValue(note)) return ERASED;
    try {
      const opened = await this.vault.decrypt({ eventId: breakGlassId, subjectId, category: FREE_TEXT_CATEGORY, field: 'note' }, note);
      return typeof opened === 'string' ? opened : ERASED;
    } catch (error) {
      if (error instanceof DataErasedError) return ERASED;
      throw error;
    }
  }
}
