import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { ProjectionBatch } from '../../runner/projection';
import { subjectStream, type SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';

type SubjectErased = Extract<SubjectEvent, { type: 'SubjectErased' }>;

/**
 * Whether an erasure reaches a subject's records of `category` kept in streams of their own: when
 * it names the category, or ends the subject without a legal hold keeping the category (its data
 * key is then shredded with every other). The read models of those records purge their rows then.
 */
export function erasureReaches(event: SubjectErased, category: Category): boolean {
  if (event.data.retained.some((kept) => kept.category === category)) return false;
  return event.data.erasedCategories.includes(category) || event.data.whole === true;
}

const SUBJECT_PREFIX = subjectStream('');

/** The subject whose stream this is, for a records projection forgetting a quarantined subject (its erasure may be the event it could not apply). */
function subjectOfStream(streamId: string): string | undefined {
  return streamId.startsWith(SUBJECT_PREFIX) ? streamId.slice(SUBJECT_PREFIX.length) : undefined;
}

/** Where a records projection keeps one kind of record: its table, the record id's column, the prefix of the record's stream. */
export interface RecordTable {
  table: string;
  idColumn: string;
  streamPrefix: string;
  /** default `subject_id` */
  subjectColumn?: string;
}

/**
 * A records projection's `forgetStream`: a quarantined subject stream (its erasure may be the event
 * that could not apply) drops every row of that subject; a quarantined record stream drops its row.
 */
export async function forgetRecordStream(batch: ProjectionBatch, streamId: string, rows: RecordTable): Promise<void> {
  const table = batch.table(rows.table);
  const subjectId = subjectOfStream(streamId);
  if (subjectId) await batch.client.query(`DELETE FROM ${table} WHERE ${rows.subjectColumn ?? 'subject_id'} = $1`, [subjectId]);
  else if (streamId.startsWith(rows.streamPrefix)) await batch.client.query(`DELETE FROM ${table} WHERE ${rows.idColumn} = $1`, [streamId.slice(rows.streamPrefix.length)]);
}
