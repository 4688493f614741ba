import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
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
export function subjectOfStream(streamId: string): string | undefined {
  return streamId.startsWith(SUBJECT_PREFIX) ? streamId.slice(SUBJECT_PREFIX.length) : undefined;
}
